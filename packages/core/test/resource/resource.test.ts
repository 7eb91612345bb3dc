import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { getResource, loadConfig } from '../../src/index.js';

describe('getResource', () => {
  it('describes the service from its configuration', () => {
    const resource = getResource(
      loadConfig({
        OTEL_SERVICE_NAME: 'payment-service',
        OTELKIT_SERVICE_VERSION: 'v2.3.1',
        OTELKIT_ENVIRONMENT: 'production',
      }),
    );
    expect(resource).toEqual({
      service: 'payment-service',
      version: 'v2.3.1',
      environment: 'production',
      host: hostname(),
      pid: process.pid,
      attributes: {
        'service.name': 'payment-service',
        'service.version': 'v2.3.1',
        'deployment.environment.name': 'production',
        'host.name': hostname(),
        'process.pid': process.pid,
        'process.runtime.name': 'nodejs',
        'process.runtime.version': process.versions.node,
      },
    });
  });

  it('takes OTEL_RESOURCE_ATTRIBUTES, but the service fields always come from the configuration', () => {
    const resource = getResource(
      loadConfig({
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_RESOURCE_ATTRIBUTES:
          'service.name=from-attrs,host.name=pod-payment-7d4f8b9c-xk2l9,k8s.namespace.name=payments,service.version=9',
      }),
    );
    expect(resource).toMatchObject({ service: 'from-env', version: '9', host: 'pod-payment-7d4f8b9c-xk2l9' });
    expect(resource.attributes).toMatchObject({
      'service.name': 'from-env',
      'service.version': '9',
      'host.name': 'pod-payment-7d4f8b9c-xk2l9',
      'k8s.namespace.name': 'payments',
      'deployment.environment.name': 'development',
    });
  });

  it('leaves the version out when none is configured', () => {
    const resource = getResource(loadConfig({}));
    expect(resource.version).toBeUndefined();
    expect(resource.attributes).not.toHaveProperty(['service.version']);
    expect(resource.service).toBe('unknown_service:node');
  });

  it('reads process.env by default', () => {
    const saved = process.env.OTEL_SERVICE_NAME;
    process.env.OTEL_SERVICE_NAME = 'resource-from-env';
    try {
      expect(getResource().service).toBe('resource-from-env');
    } finally {
      if (saved === undefined) delete process.env.OTEL_SERVICE_NAME;
      else process.env.OTEL_SERVICE_NAME = saved;
    }
  });
});
