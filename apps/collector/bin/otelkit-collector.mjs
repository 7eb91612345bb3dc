#!/usr/bin/env node
// A committed entry so package managers can link the command before the first build; the CLI lives in dist/.
import '../dist/cli.js';
