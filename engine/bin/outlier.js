#!/usr/bin/env node
// Launcher kept in git so that npm links the command before `npm install` has built engine/dist.
import '../dist/cli/main.js';
