import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** `n` finished spans of a bare SDK provider, named `${prefix}-0`, `${prefix}-1`, … */
export function finishedSpans(n: number, prefix = 'span'): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('test');
  for (let i = 0; i < n; i++) tracer.startSpan(`${prefix}-${i}`).end();
  return memory.getFinishedSpans();
}
