//! Progress of long operations: signing every pending request, listing a large CA, running
//! autosign over many requests, packing a tarball, copying a CA into another store. The
//! library reports stages and counts through [`Progress`]; whoever called it decides whether
//! and how to draw them (the CLI draws bars on a terminal and nothing elsewhere). Nothing here
//! prints, and the default reporter, [`Silent`], does nothing.
//!
//! Reports may come from several threads at once (signatures are made on all cores), so an
//! implementation must be `Sync`; counts are best effort and only ever move forward.

use std::fmt;
use std::sync::Arc;

/// What a stage of a long operation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Asking the `autosign` setting about each pending request.
    Autosign,
    /// Copying requests and certificates into another store (`cert migrate`).
    Copy,
    /// Packing files into a tarball.
    Pack,
    /// Reading requests and certificates.
    Read,
    /// Signing requests with the CA key.
    Sign,
    /// Writing certificates (one group commit; no count).
    Write,
}

impl Stage {
    /// A few words for a person: `signing`, `reading certificates`.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Autosign => "asking autosign",
            Stage::Copy => "copying",
            Stage::Pack => "packing",
            Stage::Read => "reading certificates",
            Stage::Sign => "signing",
            Stage::Write => "writing certificates",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.describe())
    }
}

/// Receives the progress of a long operation: one stage at a time, each started, advanced and
/// finished.
pub trait Progress: Send + Sync {
    /// `stage` starts with `total` items to do (0 when the count is unknown).
    fn start(&self, stage: Stage, total: u64);
    /// `count` more items of the current stage are done.
    fn advance(&self, count: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// The reporter that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: Stage, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// A shared reporter, as the CA keeps one ([`crate::ca::Ca::with_progress`]).
#[derive(Clone)]
pub struct Reporter(Arc<dyn Progress>);

impl Reporter {
    /// Report to `progress`.
    pub fn new(progress: Arc<dyn Progress>) -> Reporter {
        Reporter(progress)
    }

    /// Report nothing.
    pub fn silent() -> Reporter {
        Reporter(Arc::new(Silent))
    }

    /// Run `work` as `stage` of `total` items: started before, finished after, whatever it
    /// returns.
    pub(crate) fn stage<T>(&self, stage: Stage, total: usize, work: impl FnOnce() -> T) -> T {
        self.0.start(stage, total as u64);
        let result = work();
        self.0.finish();
        result
    }

    /// One more item of the current stage is done.
    pub(crate) fn tick(&self) {
        self.0.advance(1);
    }
}

impl Default for Reporter {
    fn default() -> Reporter {
        Reporter::silent()
    }
}

impl fmt::Debug for Reporter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Reporter")
    }
}

impl Progress for Reporter {
    fn start(&self, stage: Stage, total: u64) {
        self.0.start(stage, total);
    }

    fn advance(&self, count: u64) {
        self.0.advance(count);
    }

    fn finish(&self) {
        self.0.finish();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records every report, in order.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Progress for Recorder {
        fn start(&self, stage: Stage, total: u64) {
            self.0
                .lock()
                .unwrap()
                .push(format!("start {stage} {total}"));
        }
        fn advance(&self, count: u64) {
            self.0.lock().unwrap().push(format!("advance {count}"));
        }
        fn finish(&self) {
            self.0.lock().unwrap().push("finish".into());
        }
    }

    #[test]
    fn a_stage_is_started_advanced_and_finished_around_its_work() {
        let recorder = Arc::new(Recorder::default());
        let reporter = Reporter::new(recorder.clone());
        let answer = reporter.stage(Stage::Sign, 2, || {
            reporter.tick();
            reporter.tick();
            42
        });
        assert_eq!(answer, 42);
        assert_eq!(
            *recorder.0.lock().unwrap(),
            ["start signing 2", "advance 1", "advance 1", "finish"]
        );
    }
}
