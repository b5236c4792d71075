#!/usr/bin/env node
// Placeholder until the pack check lands.
console.log('check-pack: not yet implemented');
