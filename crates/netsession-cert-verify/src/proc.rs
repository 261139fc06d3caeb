//! Electron's certificate verify proc: the request it sees and the answers it gives.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use crate::{Certificate, NetError};

/// What a verify proc is asked, as Electron's `setCertificateVerifyProc` request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyRequest {
    /// The host the connection is for (a DNS name or an IP address literal).
    pub hostname: String,
    /// The chain the server sent, leaf first, linked through `issuer_cert`.
    pub certificate: Certificate,
    /// The chain the verifier built, leaf to root, when verification succeeded; otherwise the
    /// chain as sent.
    pub validated_certificate: Certificate,
    /// Whether the chain ends in a root of the bundled or platform store (not one added by the
    /// application).
    pub is_issued_by_known_root: bool,
    /// The verifier's verdict as a name: `net::OK` or `net::ERR_CERT_...`.
    pub verification_result: &'static str,
    /// The verifier's verdict as a code: 0 or a certificate error.
    pub error_code: i32,
}

/// The future an asynchronous verify proc returns: it resolves to the proc's answer.
pub type ProcFuture = Pin<Box<dyn Future<Output = i32> + Send>>;

/// An application's certificate verify proc, as Electron's `setCertificateVerifyProc` takes
/// it. Its answer is `0` (accept, even a chain that failed), `-2` (reject with
/// `net::ERR_FAILED`), `-3` (keep the verifier's verdict) or any other net error code (reject
/// with that code).
///
/// A proc is synchronous ([`VerifyProc::from_fn`]) or asynchronous
/// ([`VerifyProc::from_async_fn`]), the Rust form of Electron's callback: it may answer later,
/// from another thread. rustls asks for a verdict synchronously, so the TLS handshake waits on
/// the thread it runs on until the future resolves: the future must not need that thread's
/// own single-threaded runtime to make progress (answer through a channel, or run on a
/// multi-threaded runtime).
#[derive(Clone)]
pub struct VerifyProc {
    call: Arc<dyn Fn(VerifyRequest) -> ProcFuture + Send + Sync>,
}

impl VerifyProc {
    /// A proc that answers at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_cert_verify::{NetError, VerifyProc};
    ///
    /// // Accept an internal host's self-signed certificate, keep the verdict elsewhere.
    /// let proc = VerifyProc::from_fn(|request| {
    ///     if request.hostname == "intranet.example"
    ///         && request.error_code == NetError::CERT_AUTHORITY_INVALID.code()
    ///     {
    ///         0
    ///     } else {
    ///         -3
    ///     }
    /// });
    /// # drop(proc);
    /// ```
    pub fn from_fn<F>(proc: F) -> Self
    where
        F: Fn(&VerifyRequest) -> i32 + Send + Sync + 'static,
    {
        Self {
            call: Arc::new(move |request| {
                let answer = proc(&request);
                Box::pin(std::future::ready(answer))
            }),
        }
    }

    /// A proc that answers through a future, like Electron's callback.
    pub fn from_async_fn<F, Fut>(proc: F) -> Self
    where
        F: Fn(VerifyRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = i32> + Send + 'static,
    {
        Self {
            call: Arc::new(move |request| Box::pin(proc(request))),
        }
    }

    pub(crate) fn call(&self, request: VerifyRequest) -> ProcFuture {
        (self.call)(request)
    }
}

impl fmt::Debug for VerifyProc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyProc").finish_non_exhaustive()
    }
}

/// What a proc's answer means for the connection, given the verifier's own verdict.
pub(crate) fn apply_answer(answer: i32, verdict: NetError) -> NetError {
    match answer {
        0 => NetError::OK,
        -3 => verdict,
        other => NetError::from_code(other),
    }
}

/// Runs a future to completion on this thread, parking between polls.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}
