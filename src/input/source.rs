//! Where profile bytes come from: a file, standard input (`-`), or a live
//! service's `/debug/pprof/` endpoint over HTTP or HTTPS.
//!
//! HTTPS goes through rustls (the ring provider) in ureq: server
//! certificates are checked against Mozilla's roots (webpki-roots, built in,
//! so it works the same on every machine and offline), or against the CAs
//! of `--tls-ca` instead, as pprof's `-tls_ca` replaces Go's system pool.
//! `--tls-cert` and `--tls-key` present a client certificate (mutual TLS).
//! Credentials in the URL (`https://user:pass@host/…`) are sent as HTTP
//! basic authentication, and never shown: messages name the URL with the
//! password replaced by `xxxxx`, as Go's `url.Redacted` does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::parallel::join_all;
use crate::profile::{DecodeOptions, Keep, Profile, ProfileError, decode_reader};

/// A profile argument as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
    Url(String),
}

impl Source {
    /// Interprets an argument the way `go tool pprof` does: an existing file
    /// wins; `http(s)://…` and `host:port[/path]` are URLs (a bare
    /// `host:port` means its CPU profile, `/debug/pprof/profile`).
    pub fn parse(arg: &str) -> Source {
        if arg == "-" {
            return Source::Stdin;
        }
        if arg.starts_with("http://") || arg.starts_with("https://") {
            return Source::Url(arg.to_owned());
        }
        if !Path::new(arg).exists() && looks_like_host_port(arg) {
            let url = format!("http://{arg}");
            let has_path = arg.split_once('/').is_some_and(|(_, p)| !p.is_empty());
            return Source::Url(if has_path {
                url
            } else {
                format!("{}/debug/pprof/profile", url.trim_end_matches('/'))
            });
        }
        Source::File(PathBuf::from(arg))
    }

    /// How to name this source in messages and titles.
    pub fn display_name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_owned(),
            Source::Url(u) => redacted(u),
        }
    }

    /// A short name: the file name, or the URL's last path segment.
    pub fn short_name(&self) -> String {
        match self {
            Source::File(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            Source::Stdin => "<stdin>".to_owned(),
            Source::Url(u) => u
                .rsplit('/')
                .find(|s| !s.is_empty())
                .unwrap_or(u)
                .to_owned(),
        }
    }
}

/// `url` with the password of its credentials, if any, replaced by
/// `xxxxx` (Go's `url.Redacted`), so that no message or title shows it.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:xxxxx{}", &rest[at..]),
        None => url.to_owned(),
    }
}

fn describe_io(e: std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!("no such file"),
        std::io::ErrorKind::PermissionDenied => anyhow::anyhow!("permission denied"),
        _ => e.into(),
    }
}

fn looks_like_host_port(arg: &str) -> bool {
    let authority = arg.split('/').next().unwrap_or("");
    match authority.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && host.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']'
                })
                && !port.is_empty()
                && port.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// The request timeout pprof uses: 1.5 × `seconds=N` if the URL has it, else 60 s.
fn timeout_for(url: &str) -> Duration {
    let seconds = url
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("seconds="))
        .and_then(|s| s.parse::<u64>().ok());
    match seconds {
        Some(s) => Duration::from_millis(s.saturating_mul(1500)).max(Duration::from_secs(10)),
        None => Duration::from_secs(60),
    }
}

/// The default bound on an HTTP response body: 256 MiB, well under the
/// decompression limit (a Go heap profile of a large service is a few MB).
pub const DEFAULT_MAX_DOWNLOAD: u64 = 256 << 20;

/// How to read profiles.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// How to decode them.
    pub decode: DecodeOptions,
    /// Refuse HTTP responses larger than this many bytes.
    pub max_download: u64,
    /// How to talk to `https://` URLs.
    pub tls: TlsOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            decode: DecodeOptions::default(),
            max_download: DEFAULT_MAX_DOWNLOAD,
            tls: TlsOptions::default(),
        }
    }
}

/// Certificates for `https://` URLs (pprof's `-tls_ca`, `-tls_cert`,
/// `-tls_key`), as PEM files.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// CA certificates to trust instead of the built-in roots.
    pub ca: Option<PathBuf>,
    /// A client certificate (chain) to present, for mutual TLS.
    pub cert: Option<PathBuf>,
    /// The client certificate's private key.
    pub key: Option<PathBuf>,
}

impl TlsOptions {
    /// ureq's TLS configuration for these options; errors name the option
    /// and the file.
    fn config(&self) -> Result<ureq::tls::TlsConfig> {
        use ureq::tls::{ClientCert, PemItem, RootCerts, TlsConfig, TlsProvider, parse_pem};
        let read = |option: &str, path: &Path| -> Result<Vec<PemItem<'static>>> {
            let what = || format!("reading {option} '{}'", path.display());
            let bytes = std::fs::read(path)
                .map_err(describe_io)
                .with_context(what)?;
            parse_pem(&bytes)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("not PEM: {e}"))
                .with_context(what)
        };
        let certificates = |option: &str, path: &Path| -> Result<Vec<_>> {
            let certs: Vec<_> = read(option, path)?
                .into_iter()
                .filter_map(|item| match item {
                    PemItem::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                anyhow::bail!("{option} '{}' holds no PEM certificate", path.display());
            }
            Ok(certs)
        };
        let mut config = TlsConfig::builder().provider(TlsProvider::Rustls);
        if let Some(ca) = &self.ca {
            config = config.root_certs(RootCerts::new_with_certs(&certificates("--tls-ca", ca)?));
        }
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                let chain = certificates("--tls-cert", cert)?;
                let key = read("--tls-key", key)?
                    .into_iter()
                    .find_map(|item| match item {
                        PemItem::PrivateKey(k) => Some(k),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        anyhow::anyhow!("--tls-key '{}' holds no PEM private key", key.display())
                    })?;
                config = config.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
            }
            (None, None) => {}
            // The command line requires both; a caller building options by
            // hand is told the same.
            _ => anyhow::bail!("--tls-cert and --tls-key go together"),
        }
        Ok(config.build())
    }
}

/// A reader that fails once more than `limit` bytes came through, and
/// remembers that it did (so the error can say so, whatever the decoder
/// made of the failure).
struct Bounded<R> {
    inner: R,
    left: u64,
    exceeded: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Ask for one byte more than allowed, to tell "exactly the limit" from "more".
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            self.exceeded
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(std::io::Error::other("the response is too large"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Sends a GET for `url` and returns its body, bounded to `max_download`
/// bytes, and the flag that says the bound was hit. The whole request is
/// bounded by `timeout`.
fn get(
    url: &str,
    options: &LoadOptions,
    timeout: Duration,
) -> Result<(
    Bounded<impl std::io::Read>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
)> {
    let max_download = options.max_download;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .tls_config(options.tls.config()?)
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::Timeout(_) => timed_out(timeout),
        e => anyhow::anyhow!("fetching failed: {e}"),
    })?;
    let exceeded = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body = Bounded {
        inner: response.into_body().into_reader(),
        left: max_download,
        exceeded: exceeded.clone(),
    };
    Ok((body, exceeded))
}

/// A request that took longer than its timeout.
fn timed_out(timeout: Duration) -> anyhow::Error {
    anyhow::anyhow!(
        "no complete response within {:.1}s (the request timeout)",
        timeout.as_secs_f64()
    )
}

/// What a response failed to decode as: a transport failure, a body over
/// the download limit, or bytes that are not a profile.
fn response_error(e: ProfileError, exceeded: bool, limit: u64, timeout: Duration) -> anyhow::Error {
    if exceeded {
        return anyhow::anyhow!(
            "the response is larger than {limit} bytes (raise it with --max-download)"
        );
    }
    match e {
        ProfileError::Io(e) | ProfileError::Gzip(e)
            if e.get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                .is_some_and(|u| matches!(u, ureq::Error::Timeout(_))) =>
        {
            timed_out(timeout)
        }
        ProfileError::Io(e) | ProfileError::Gzip(e) if is_transport(&e) => {
            anyhow::anyhow!("reading the response failed: {e}")
        }
        e => anyhow::Error::new(e).context("the response is not a profile"),
    }
}

/// Fetches a profile and decodes its body as it streams in, refusing a body
/// larger than `max_download` bytes.
fn fetch(url: &str, options: &LoadOptions) -> Result<Profile> {
    let limit = options.max_download;
    let timeout = timeout_for(url);
    let (body, exceeded) = get(url, options, timeout)?;
    // Read once, so every sample is kept (see `load`).
    let decoded = decode_reader(body, &options.decode.keeping_all());
    let exceeded = exceeded.load(std::sync::atomic::Ordering::Relaxed);
    decoded.map_err(|e| response_error(e, exceeded, limit, timeout))
}

/// A response body as it came (for a watch that saves what it fetched),
/// and the profile decoded from it.
pub struct Fetched {
    pub body: Vec<u8>,
    pub profile: Profile,
}

/// Fetches `url` whole, within `timeout` (`None`: pprof's, see
/// [`timeout_for`]), and decodes the body the way [`load`] does; errors
/// name the URL.
pub fn fetch_whole(url: &str, options: &LoadOptions, timeout: Option<Duration>) -> Result<Fetched> {
    let reading = || format!("reading profile '{}'", redacted(url));
    let limit = options.max_download;
    let timeout = timeout.unwrap_or_else(|| timeout_for(url));
    let (mut body, exceeded) = get(url, options, timeout).with_context(reading)?;
    let mut bytes = Vec::new();
    let read = std::io::Read::read_to_end(&mut body, &mut bytes);
    let exceeded = exceeded.load(std::sync::atomic::Ordering::Relaxed);
    let profile = match read {
        Ok(_) => decode_reader(bytes.as_slice(), &options.decode.keeping_all())
            .map_err(|e| response_error(e, exceeded, limit, timeout)),
        Err(e) => Err(response_error(
            ProfileError::Io(e),
            exceeded,
            limit,
            timeout,
        )),
    }
    .with_context(reading)?;
    Ok(Fetched {
        body: bytes,
        profile,
    })
}

/// Whether an I/O error came from the connection rather than the data.
fn is_transport(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<ureq::Error>())
        || matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
        )
}

/// Reads and decodes one profile as it streams in; errors name the source.
pub fn load(source: &Source, options: &LoadOptions) -> Result<Profile> {
    let name = source.display_name();
    let reading = || format!("reading profile '{name}'");
    let decoding = || format!("profile '{name}'");
    match source {
        Source::File(path) => {
            if path.is_dir() {
                return Err(anyhow::anyhow!("is a directory")).with_context(reading);
            }
            let open = || {
                std::fs::File::open(path)
                    .map_err(describe_io)
                    .with_context(reading)
            };
            match decode_reader(open()?, &options.decode) {
                // Samples skipped by a wrong guess at the sample type, or
                // a dangling location id, whose sample is numbered among
                // those kept: read again, keeping every sample.
                Err(
                    ProfileError::SkippedForAnotherType | ProfileError::DanglingLocation { .. },
                ) if options.decode.keep != Keep::All => {
                    decode_reader(open()?, &options.decode.keeping_all())
                }
                decoded => decoded,
            }
            .with_context(decoding)
        }
        // Standard input and URLs are read once, so every sample is kept.
        Source::Stdin => {
            decode_reader(std::io::stdin(), &options.decode.keeping_all()).with_context(decoding)
        }
        Source::Url(url) => fetch(url, options).with_context(reading),
    }
}

/// Loads several profiles at once, one thread per profile (at most one per
/// core), results in argument order. Standard input may be named only once.
pub fn load_all(sources: &[Source], options: &LoadOptions) -> Result<Vec<Profile>> {
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        anyhow::bail!("standard input ('-') can be read only once");
    }
    if sources.len() <= 1 {
        return sources.iter().map(|s| load(s, options)).collect();
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(sources.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<Profile>>> = sources.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(source) = sources.get(i) else { break };
                        done.push((i, load(source, options)));
                    }
                    done
                })
            })
            .collect();
        for (i, result) in join_all(workers).into_iter().flatten() {
            slots[i] = Some(result);
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err(anyhow::anyhow!("a profile was not loaded"))))
        .collect()
}
