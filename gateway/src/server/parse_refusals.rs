//! hyper answers requests its HTTP/1 parser refuses (a URI over its fixed 64 KiB limit, a
//! malformed request line or header, headers past its buffer) by itself, with a bare
//! `400`/`414`/`431` and no body, before any layer of ours sees the request. This listener
//! wraps each connection so that such an answer leaves as a GraphQL error like every
//! other refusal (`URI_TOO_LONG` with our configured limit in the message, say).
//!
//! The bare answer is recognised when hyper writes it: a response head of one of those
//! statuses with `content-length: 0` and no `content-type`. Our own error answers always
//! have a JSON body (the `error_bodies` layer sees to it), so nothing else matches; hyper
//! closes the connection right after writing it.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll, ready},
};

use axum::{http::StatusCode, serve::Listener};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
};

use super::error_bodies::{ErrorBodies, describe};

/// A TCP listener whose connections answer hyper's own refusals as GraphQL errors.
pub(crate) struct GraphqlRefusals {
    listener: TcpListener,
    limits: ErrorBodies,
}

impl GraphqlRefusals {
    pub(crate) fn new(listener: TcpListener, limits: ErrorBodies) -> Self {
        Self { listener, limits }
    }
}

impl Listener for GraphqlRefusals {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = Listener::accept(&mut self.listener).await;
        // Streamed answers (incremental parts, SSE events, subscriptions) are written in
        // small pieces: with Nagle's algorithm each one after the first would wait for the
        // client's delayed ACK (~40 ms).
        if let Err(error) = io.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set on a connection");
        }
        (
            Connection {
                io,
                limits: self.limits,
                replacing: None,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A bare refusal being replaced: our answer, how much of it is written, and how many
/// bytes of hyper's to report written once it is.
struct Replacement {
    answer: Vec<u8>,
    written: usize,
    claimed: usize,
}

/// One connection (see the module docs).
pub(crate) struct Connection {
    io: TcpStream,
    limits: ErrorBodies,
    replacing: Option<Replacement>,
}

/// hyper's automatic answers to requests it cannot parse, by the start of their status
/// line.
const BARE_REFUSALS: [(&[u8], StatusCode); 3] = [
    (b"HTTP/1.1 400 ", StatusCode::BAD_REQUEST),
    (b"HTTP/1.1 414 ", StatusCode::URI_TOO_LONG),
    (
        b"HTTP/1.1 431 ",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    ),
];

/// If `written` is one of hyper's bare refusals: its status and the length of its head.
/// (Called on every write: anything not starting with a 4xx status line is let through
/// after one comparison.)
fn bare_refusal(written: &[u8]) -> Option<(StatusCode, usize)> {
    if !written.starts_with(b"HTTP/1.1 4") {
        return None;
    }
    let (_, status) = BARE_REFUSALS
        .into_iter()
        .find(|(line, _)| written.starts_with(line))?;
    let end = written.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&written[..end]).to_ascii_lowercase();
    let bare = head.contains("\r\ncontent-length: 0\r\n") && !head.contains("\r\ncontent-type:");
    bare.then_some((status, end))
}

/// Our answer for a bare refusal: the same status, a GraphQL error body, and the
/// connection closed (as hyper does).
fn graphql_answer(status: StatusCode, limits: ErrorBodies) -> Vec<u8> {
    let (code, message) = describe(status, limits);
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
            .to_string();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        body.len(),
    )
    .into_bytes()
}

impl Connection {
    /// Writes `buf`, or our answer instead when it is a bare refusal.
    fn write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.replacing.is_none()
            && let Some((status, head)) = bare_refusal(buf)
        {
            self.replacing = Some(Replacement {
                answer: graphql_answer(status, self.limits),
                written: 0,
                claimed: head,
            });
        }
        let Some(replacement) = &mut self.replacing else {
            return Pin::new(&mut self.io).poll_write(cx, buf);
        };
        while replacement.written < replacement.answer.len() {
            let n = ready!(
                Pin::new(&mut self.io).poll_write(cx, &replacement.answer[replacement.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            replacement.written += n;
        }
        let claimed = replacement.claimed;
        self.replacing = None;
        Poll::Ready(Ok(claimed))
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // A response head is always the first buffer hyper hands over.
        let first = bufs.iter().find(|b| !b.is_empty());
        if self.replacing.is_some() || first.is_some_and(|b| bare_refusal(b).is_some()) {
            return self.write(cx, first.map_or(&[][..], |b| &b[..]));
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_refusals_are_recognised() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 02:00:00 GMT\r\n\r\n";
        assert_eq!(
            bare_refusal(bare),
            Some((StatusCode::URI_TOO_LONG, bare.len()))
        );
        let ours = b"HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n{";
        assert_eq!(bare_refusal(ours), None);
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_refusal(ok), None);
        assert_eq!(
            bare_refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-le"),
            None
        );
    }
}
