/** The {@code gleaner} command: the demo and one subcommand per role of the data engine. */
package io.gleaner.app;
