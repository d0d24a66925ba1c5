//! An upload whose body the test sends a part at a time: a request that stays open (holding
//! its concurrency slot, its idempotency key, its store upload) for as long as the test wants.

use bytes::Bytes;
use futures::SinkExt;
use futures::channel::mpsc::{self, SendError, Sender};
use tokio::task::JoinHandle;

use super::{GOOD_CSV, TestApp};

/// How much of [`GOOD_CSV`] [`TestApp::hold_upload`] sends: its header line and no more.
const HEAD: usize = 40;

pub struct Trickle {
    body: Sender<Result<Bytes, std::io::Error>>,
    response: JoinHandle<reqwest::Result<reqwest::Response>>,
}

impl TestApp {
    /// `POST /v1/postings` as a CSV whose body is sent with [`Trickle::send`], under way in a
    /// task of its own.
    pub fn trickle(&self, token: &str, idempotency_key: Option<&str>) -> Trickle {
        let (body, rx) = mpsc::channel(1);
        let request = self.upload_request(token, "text/csv", idempotency_key);
        Trickle {
            body,
            response: tokio::spawn(request.body(reqwest::Body::wrap_stream(rx)).send()),
        }
    }

    /// An upload of [`GOOD_CSV`] held open with only its first bytes sent; the rest goes with
    /// [`Trickle::finish`].
    pub async fn hold_upload(&self, token: &str, idempotency_key: Option<&str>) -> Trickle {
        let mut upload = self.trickle(token, idempotency_key);
        upload
            .send(Ok(Bytes::from_static(&GOOD_CSV.as_bytes()[..HEAD])))
            .await
            .unwrap();
        upload
    }
}

impl Trickle {
    /// The next part of the body, or an error that breaks it off.
    pub async fn send(&mut self, part: Result<Bytes, std::io::Error>) -> Result<(), SendError> {
        self.body.send(part).await
    }

    /// Sends the rest of [`GOOD_CSV`] after [`TestApp::hold_upload`] and ends the body: the
    /// server's answer.
    pub async fn finish(mut self) -> reqwest::Response {
        self.send_rest().await.unwrap();
        self.answer().await.unwrap()
    }

    /// The server's answer to a body it has not had whole, taken before the rest is sent (as a
    /// client that carries on regardless would send it, into a connection that may be gone).
    pub async fn answer_early(mut self) -> reqwest::Response {
        let response = (&mut self.response).await.unwrap().unwrap();
        let _ = self.send_rest().await;
        response
    }

    /// Ends the body where it is: what the client made of the request.
    pub async fn answer(self) -> reqwest::Result<reqwest::Response> {
        drop(self.body);
        self.response.await.unwrap()
    }

    async fn send_rest(&mut self) -> Result<(), SendError> {
        let rest = Bytes::from_static(&GOOD_CSV.as_bytes()[HEAD..]);
        self.send(Ok(rest)).await
    }
}
