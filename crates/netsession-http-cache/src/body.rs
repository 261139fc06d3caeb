//! [`sized_body`]: a `reqwest::Body` from a stream that keeps the body's length.
//!
//! `reqwest::Body::wrap_stream` forgets how long a body is, so a response rebuilt around a
//! stream (a cache hit, a body being stored, a body paced or watched by the facade) would
//! answer `content_length()` with `None`. This adapter reports the length as the body's size
//! hint, as the original response did.

use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use http_body::{Frame, SizeHint};

type BoxStream<E> = Pin<Box<dyn Stream<Item = Result<Bytes, E>> + Send>>;

/// A body of `stream`'s chunks whose exact length, when known, is `length`.
///
/// # Examples
///
/// ```
/// use bytes::Bytes;
///
/// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"hi"))]);
/// let body = netsession_http_cache::sized_body(chunks, Some(2));
/// let response = reqwest::Response::from(http::Response::new(body));
/// assert_eq!(response.content_length(), Some(2));
/// ```
pub fn sized_body<S, E>(stream: S, length: Option<u64>) -> reqwest::Body
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    reqwest::Body::wrap(Sized {
        // A `Mutex` makes the stream `Sync`, as `reqwest::Body::wrap` wants; polling takes
        // it through `&mut`, so it is never locked.
        stream: Mutex::new(Box::pin(stream)),
        remaining: length,
    })
}

struct Sized<E> {
    stream: Mutex<BoxStream<E>>,
    remaining: Option<u64>,
}

impl<E> http_body::Body for Sized<E>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = E;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, E>>> {
        let this = self.get_mut();
        let stream = this
            .stream
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match stream.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.remaining = this
                    .remaining
                    .map(|left| left.saturating_sub(chunk.len() as u64));
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.remaining {
            Some(length) => SizeHint::with_exact(length),
            None => SizeHint::default(),
        }
    }
}
