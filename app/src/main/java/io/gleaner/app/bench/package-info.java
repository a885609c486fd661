/**
 * Benchmarks run by {@code gleaner bench}. Each measures a stage against a baseline in the same
 * run, prints the device and the conditions next to both figures, and ends with one line
 * {@code RESULT <name> key=value ...} for scripts to read.
 */
package io.gleaner.app.bench;
