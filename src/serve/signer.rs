//! Group commit for enrolments: every `PUT certificate_request` is handed to one signer task
//! that enrols everything waiting in one [`Ca::enroll`] call: the requests checked and put
//! through autosign on all cores (an `autosign.conf` read once), then one lock hold, the
//! serials reserved together, the signatures made on all cores, one group commit of the files.
//! When autosign runs a policy program, each request is checked and decided on by itself as it
//! arrives (on the blocking pool), so that a slow program holds up no batch. While a batch is
//! being written the next one gathers, so a batch is as large as the load makes it: one
//! request when idle (no waiting), dozens under load. Each request's reply waits for its batch, and
//! [`Ca::enroll`] returns only when everything is durable, so a 200 is never sent for data
//! that a crash could lose. Each enrolment's latency and result, and each batch's size, go to
//! the daemon's [`Metrics`].

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use hyper::body::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::ca::{Ca, Enrollment, Received, Submitted};
use crate::certname::Certname;
use crate::error::{Error, ServeError};

use super::metrics::{Metrics, Signing};

/// Most enrolments in one batch.
pub(crate) const MAX_BATCH: usize = 128;

/// Serials the daemon reserves on disk at a time (see `Store::reserve_serials_ahead`): one
/// write of `serial` and its sync per this many certificates rather than per batch; what is
/// left is given back when the daemon stops cleanly (a gap in the serials after a crash).
pub(crate) const SERIALS_AHEAD: u128 = 64;

/// The handle requests use to reach the signer task.
#[derive(Clone)]
pub(crate) struct Signer {
    sender: mpsc::UnboundedSender<Job>,
    metrics: Arc<Metrics>,
}

struct Job {
    ca: Arc<Ca>,
    received: Received,
    reply: oneshot::Sender<Result<Submitted, Error>>,
}

impl Signer {
    /// Start the signer task on the current runtime, counting into `metrics`; it ends when
    /// every handle is dropped.
    pub(crate) fn start(metrics: Arc<Metrics>) -> Signer {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(receiver, metrics.clone()));
        Signer { sender, metrics }
    }

    /// Check a CSR received for `name`, decide autosign, and enrol it in the next batch:
    /// what [`Ca::submit_and_autosign`] does, returning once the result is durable.
    pub(crate) async fn submit(
        &self,
        ca: Arc<Ca>,
        name: Certname,
        body: Bytes,
    ) -> Result<Submitted, Error> {
        let started = Instant::now();
        let result = self.enrol(ca, name, body).await;
        match &result {
            Ok(submission) => {
                self.metrics.enrolled(started.elapsed());
                if let Some(signed) = &submission.signed {
                    self.metrics.signing(Signing::Autosign, signed);
                }
            }
            Err(error) => self.metrics.refused(error),
        }
        result
    }

    async fn enrol(&self, ca: Arc<Ca>, name: Certname, body: Bytes) -> Result<Submitted, Error> {
        let received = if ca.autosign_runs_program() {
            let checking = ca.clone();
            tokio::task::spawn_blocking(move || {
                let csr = checking.check_submission(&name, &body)?;
                let decision = checking.autosign_decision(&name, &body);
                Ok::<_, Error>(Received::Checked(Enrollment {
                    name,
                    csr,
                    decision,
                }))
            })
            .await
            .map_err(|_| runtime_error("the CSR check failed"))??
        } else {
            Received::Unchecked {
                name,
                pem: body.to_vec(),
            }
        };
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job {
                ca,
                received,
                reply,
            })
            .map_err(|_| runtime_error("the signer has stopped"))?;
        answer
            .await
            .map_err(|_| runtime_error("the signing batch failed"))?
    }
}

fn runtime_error(reason: &str) -> Error {
    ServeError::Runtime {
        reason: reason.to_owned(),
    }
    .into()
}

async fn run(mut receiver: mpsc::UnboundedReceiver<Job>, metrics: Arc<Metrics>) {
    let mut waiting: VecDeque<Job> = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match receiver.recv().await {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        while let Ok(job) = receiver.try_recv() {
            waiting.push_back(job);
        }
        // One batch: the CA generation of the oldest job, each name once (a second request
        // for a name waits for the next batch, so it replaces the first as it would in turn).
        let ca = waiting[0].ca.clone();
        let mut names = HashSet::new();
        let mut batch = Vec::new();
        let mut later = VecDeque::new();
        for job in waiting.drain(..) {
            if batch.len() < MAX_BATCH
                && Arc::ptr_eq(&job.ca, &ca)
                && names.insert(job.received.name().clone())
            {
                batch.push(job);
            } else {
                later.push_back(job);
            }
        }
        waiting = later;
        let (received, replies): (Vec<Received>, Vec<_>) = batch
            .into_iter()
            .map(|job| (job.received, job.reply))
            .unzip();
        let size = received.len();
        metrics.batch(size);
        let now = time::OffsetDateTime::now_utc();
        let enrolled = tokio::task::spawn_blocking(move || ca.enroll(received, now)).await;
        tracing::debug!("enrolled a batch of {size}");
        // A failed task drops the replies: each request answers 500.
        if let Ok(results) = enrolled {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
    }
}
