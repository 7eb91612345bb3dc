import { rmSync } from 'node:fs';

// Removes the package's dist/ so a build never ships files whose source was deleted.
rmSync('dist', { recursive: true, force: true });
