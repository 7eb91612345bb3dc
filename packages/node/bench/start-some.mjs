// `--import` entry for the benchmark: starts only the packages named in BENCH_PACKAGES (comma-separated).
import { start } from '@otelkit/node';

start({ packages: (process.env.BENCH_PACKAGES ?? '').split(',').filter(Boolean) });
