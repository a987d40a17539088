package io.signalhub.verticles;

/**
 * TLS of the ws-ingress verticle's own server: its certificate chain and private key as PEM files
 * (Vert.x {@code PemKeyCertOptions}), checked for a change every {@code reloadCheckMs} and then applied to new
 * connections with {@code HttpServer.updateSSLOptions} (open connections keep theirs). With it the server answers
 * HTTPS and {@code wss://} only: a plain {@code http://} or {@code ws://} request fails its TLS handshake and the
 * connection is closed (no redirect).
 *
 * @param certPath PEM file of the certificate chain, the server's certificate first
 * @param keyPath PEM file of its unencrypted private key
 * @param reloadCheckMs how often both files' modification time and size are compared, in ms
 */
public record ServerTls(String certPath, String keyPath, long reloadCheckMs) {
}
