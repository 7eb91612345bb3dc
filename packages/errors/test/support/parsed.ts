/** Parsed JSON (records, Sentry events) walked by assertions: its shape is what the test checks. */
// biome-ignore lint/suspicious/noExplicitAny: assertions read parsed JSON whose shape is the subject of the test
export type Parsed = any;
