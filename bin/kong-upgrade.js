#!/usr/bin/env node
// The CLI runs the committed bundle, so it works straight after a clone, with no install step.
import '../dist/cli/index.js';
