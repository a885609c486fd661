/**
 * The labeling queue's HTTP API ({@code gleaner serve}): REST + JSON on the JDK's
 * {@code com.sun.net.httpserver}, bearer tokens stored as SHA-256 ({@link io.gleaner.queue.api.ApiTokens}),
 * roles, request size limits, and errors as {@code {"error": code, "reason": text}}; and the labeling
 * dashboard's static files, served by the same server.
 */
package io.gleaner.queue.api;
