//! Group commit for enrolments: every `PUT certificate_request` is handed to one signer task
//! that enrols everything waiting in one [`Ca::enroll`] call: the requests checked and put
//! through autosign on all cores (an `autosign.conf` read once), then one lock hold, the
//! serials reserved together, the signatures made on all cores, one group commit of the files.
//! When autosign runs a policy program, each request is checked and decided on by itself as it
//! arrives (on the blocking pool), so that a slow program holds up no batch. While a batch is
//! being written the next one gathers, so a batch is as large as the load makes it: one
//! request when idle (no waiting), dozens under load. A store that several transactions may
//! share at once (a database: `Store::concurrent_writers`) gets that many batches in flight,
//! so that a node a WAN away from its database signs the next batch while the last one is on
//! the wire; a name is in one batch at a time. Each request's reply waits for its batch, and
//! [`Ca::enroll`] returns only when everything is durable, so a 200 is never sent for data
//! that a crash could lose. Each enrolment's latency and result, and each batch's size, go to
//! the daemon's [`Metrics`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use hyper::body::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

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
                match &submission.signed {
                    Some(signed) if !submission.existing => {
                        self.metrics.signing(Signing::Autosign, signed)
                    }
                    _ => {}
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
    // Batches being enrolled.
    let mut in_flight: JoinSet<()> = JoinSet::new();
    // The names of each batch in flight: a later request for one waits for its batch to
    // finish, so that it meets what that batch wrote, as it would in turn.
    let mut batches: HashMap<tokio::task::Id, Vec<Certname>> = HashMap::new();
    let mut busy: HashSet<Certname> = HashSet::new();
    let mut open = true;
    loop {
        while let Ok(job) = receiver.try_recv() {
            waiting.push_back(job);
        }
        if let Some(front) = waiting.front() {
            // A store that many transactions may share (a database) gets several batches at
            // once: a far node's batches wait on the wire, not on its cores.
            let writers = front.ca.store().concurrent_writers();
            if in_flight.len() < writers {
                let batch = take_batch(&mut waiting, &busy);
                if !batch.is_empty() {
                    let names: Vec<Certname> = batch
                        .iter()
                        .map(|job| job.received.name().clone())
                        .collect();
                    busy.extend(names.iter().cloned());
                    let task = in_flight.spawn(enrol_batch(batch, metrics.clone()));
                    batches.insert(task.id(), names);
                    continue;
                }
            }
        }
        if !open && waiting.is_empty() && in_flight.is_empty() {
            return;
        }
        tokio::select! {
            job = receiver.recv(), if open => match job {
                Some(job) => waiting.push_back(job),
                None => open = false,
            },
            Some(done) = in_flight.join_next_with_id(), if !in_flight.is_empty() => {
                // Done, or lost (its requests answered 500 when their replies were dropped):
                // its names are free again.
                let id = match done {
                    Ok((id, ())) => id,
                    Err(error) => error.id(),
                };
                for name in batches.remove(&id).unwrap_or_default() {
                    busy.remove(&name);
                }
            },
        }
    }
}

/// One batch from `waiting`: the CA generation of the oldest job, each name once and none that
/// a batch in flight has (a second request for a name waits for the next batch, so it
/// replaces the first as it would in turn), at most [`MAX_BATCH`].
fn take_batch(waiting: &mut VecDeque<Job>, busy: &HashSet<Certname>) -> Vec<Job> {
    let ca = waiting[0].ca.clone();
    let mut names = HashSet::new();
    let mut batch = Vec::new();
    let mut later = VecDeque::new();
    for job in waiting.drain(..) {
        let name = job.received.name();
        if batch.len() < MAX_BATCH
            && Arc::ptr_eq(&job.ca, &ca)
            && !busy.contains(name)
            && names.insert(name.clone())
        {
            batch.push(job);
        } else {
            later.push_back(job);
        }
    }
    *waiting = later;
    batch
}

/// Enrol `batch` in one [`Ca::enroll`] on the blocking pool and answer each request.
async fn enrol_batch(batch: Vec<Job>, metrics: Arc<Metrics>) {
    let ca = batch[0].ca.clone();
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
