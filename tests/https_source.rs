//! Profiles fetched over HTTPS from a loopback server whose certificates
//! are made here (rcgen): a private CA named by `--tls-ca`, mutual TLS with
//! `--tls-cert`/`--tls-key`, and credentials in the URL sent as basic
//! authentication and never shown.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use support::{pprof_tui, stdout_of};

/// A CA and two certificates it signed (the server's, for 127.0.0.1, and a
/// client's), written as PEM files into a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
    ca: rcgen::Certificate,
    server: (rcgen::Certificate, KeyPair),
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = params.self_signed(&ca_key).unwrap();
        let leaf = |name: &str, usage| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
            params.extended_key_usages = vec![usage];
            (params.signed_by(&key, &ca, &ca_key).unwrap(), key)
        };
        let server = leaf("127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth);
        let client = leaf("client", ExtendedKeyUsagePurpose::ClientAuth);
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("client.pem"), client.0.pem()).unwrap();
        std::fs::write(dir.path().join("client.key"), client.1.serialize_pem()).unwrap();
        Pki { dir, ca, server }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The server's TLS configuration; with `client_auth`, it demands a
    /// client certificate signed by the CA.
    fn server_config(&self, client_auth: bool) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if client_auth {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.ca.der().clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let chain: Vec<CertificateDer<'static>> = vec![self.server.0.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server.1.serialize_der()));
        Arc::new(builder.with_single_cert(chain, key).unwrap())
    }
}

/// Serves `body` over TLS on 127.0.0.1 to one connection; returns the port
/// and, once done, the request's header lines (empty if the handshake
/// failed).
fn serve_tls_once(
    config: Arc<rustls::ServerConfig>,
    body: Vec<u8>,
) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let connection = rustls::ServerConnection::new(config).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        let mut headers = Vec::new();
        {
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            // Bounded: a request has a few lines; a failed handshake none.
            for _ in 0..100 {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(n) if n > 2 => headers.push(line.trim_end().to_owned()),
                    _ => break,
                }
            }
        }
        if headers.is_empty() {
            return headers;
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = tls.write_all(head.as_bytes());
        let _ = tls.write_all(&body);
        let _ = tls.flush();
        tls.conn.send_close_notify();
        let _ = tls.flush();
        headers
    });
    (port, handle)
}

fn heap_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/leaky/heap-3.pb.gz")
}

fn top_of_file() -> Vec<u8> {
    stdout_of(pprof_tui().arg("top").arg(heap_file()))
}

#[test]
fn https_with_a_private_ca_reads_like_the_file() {
    let pki = Pki::new();
    for spelling in ["--tls-ca", "--tls_ca"] {
        let (port, server) = serve_tls_once(
            pki.server_config(false),
            std::fs::read(heap_file()).unwrap(),
        );
        let url = format!("https://127.0.0.1:{port}/debug/pprof/heap");
        let out = stdout_of(
            pprof_tui()
                .args(["top", &url, spelling])
                .arg(pki.file("ca.pem")),
        );
        let headers = server.join().unwrap();
        assert_eq!(headers[0], "GET /debug/pprof/heap HTTP/1.1");
        assert_eq!(out, top_of_file(), "{spelling}");
    }
}

#[test]
fn an_unknown_ca_is_one_clear_error() {
    let pki = Pki::new();
    let (port, server) = serve_tls_once(pki.server_config(false), b"never sent".to_vec());
    let url = format!("https://127.0.0.1:{port}/debug/pprof/heap");
    let output = pprof_tui().args(["top", &url]).output().unwrap();
    assert!(server.join().unwrap().is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&url), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let pki = Pki::new();
    let (port, server) =
        serve_tls_once(pki.server_config(true), std::fs::read(heap_file()).unwrap());
    let url = format!("https://127.0.0.1:{port}/debug/pprof/heap");
    let out = stdout_of(
        pprof_tui()
            .args(["top", &url, "--tls-ca"])
            .arg(pki.file("ca.pem"))
            .arg("--tls_cert")
            .arg(pki.file("client.pem"))
            .arg("--tls-key")
            .arg(pki.file("client.key")),
    );
    assert!(!server.join().unwrap().is_empty());
    assert_eq!(out, top_of_file());

    // Without the client certificate, the server refuses the handshake.
    let (port, server) = serve_tls_once(pki.server_config(true), b"never sent".to_vec());
    let url = format!("https://127.0.0.1:{port}/debug/pprof/heap");
    let output = pprof_tui()
        .args(["top", &url, "--tls-ca"])
        .arg(pki.file("ca.pem"))
        .output()
        .unwrap();
    assert!(server.join().unwrap().is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn credentials_in_the_url_are_sent_and_never_shown() {
    let pki = Pki::new();
    let (port, server) = serve_tls_once(
        pki.server_config(false),
        std::fs::read(heap_file()).unwrap(),
    );
    let url = format!("https://alice:s3cret@127.0.0.1:{port}/debug/pprof/heap");
    let out = stdout_of(
        pprof_tui()
            .args(["top", &url, "--tls-ca"])
            .arg(pki.file("ca.pem")),
    );
    let headers = server.join().unwrap();
    // base64("alice:s3cret")
    assert!(
        headers.contains(&"authorization: Basic YWxpY2U6czNjcmV0".to_owned())
            || headers.contains(&"Authorization: Basic YWxpY2U6czNjcmV0".to_owned()),
        "{headers:?}"
    );
    assert_eq!(out, top_of_file());

    // A failure names the URL with the password hidden.
    let (port, server) = serve_tls_once(pki.server_config(false), b"not a profile".to_vec());
    let url = format!("https://alice:s3cret@127.0.0.1:{port}/debug/pprof/heap");
    let output = pprof_tui()
        .args(["top", &url, "--tls-ca"])
        .arg(pki.file("ca.pem"))
        .output()
        .unwrap();
    server.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "https://alice:xxxxx@127.0.0.1:{port}/debug/pprof/heap"
        )),
        "{stderr}"
    );
}

#[test]
fn bad_tls_options_are_clear() {
    // A certificate needs its key: a usage error.
    let output = pprof_tui()
        .args(["top", "https://127.0.0.1:1/x", "--tls-cert", "c.pem"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // A CA file that is not PEM: one line naming the option and the file.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "hello").unwrap();
    let output = pprof_tui()
        .args(["top", "https://127.0.0.1:1/x", "--tls-ca"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "--tls-ca '{}' holds no PEM certificate",
            bad.display()
        )),
        "{stderr}"
    );
}
