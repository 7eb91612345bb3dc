import { hostname } from 'node:os';
import { loadConfig, type OtelkitConfig } from '../config/load-config.js';

/** Who is emitting: the fields every record, span and event of this process carries. */
export interface ServiceResource {
  service: string;
  version?: string;
  environment: string;
  host: string;
  pid: number;
  /** The same as OpenTelemetry resource attributes (semantic conventions), including `OTEL_RESOURCE_ATTRIBUTES`. */
  attributes: Record<string, string | number>;
}

/**
 * The service resource from configuration: service name and version, `deployment.environment.name`, host name,
 * process id and runtime.
 *
 * @example
 * ```ts
 * const { service, environment, attributes } = getResource();
 * attributes['service.name'] === service; // true
 * ```
 */
export function getResource(config: OtelkitConfig = loadConfig()): ServiceResource {
  const host = config.resourceAttributes['host.name'] ?? safeHostname();
  const attributes: Record<string, string | number> = {
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'deployment.environment.name': config.environment,
    'host.name': host,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
  };
  const resource: ServiceResource = {
    service: config.serviceName,
    environment: config.environment,
    host,
    pid: process.pid,
    attributes,
  };
  if (config.serviceVersion !== undefined) {
    resource.version = config.serviceVersion;
    attributes['service.version'] = config.serviceVersion;
  }
  return resource;
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return 'unknown-host';
  }
}
