//! Progress bars for long commands (`--sign --all`, `--list --all`, `export --tar`, and any
//! command that hands [`Bars`] to the library as its [`Progress`]): drawn on stderr with
//! indicatif, only when stderr is a terminal (indicatif hides them on pipes, files and
//! `TERM=dumb`, so scripts and logs never see them), and only for stages large enough to take
//! a moment. A bar is cleared when its stage ends, so what the command prints afterwards reads
//! as it would without one.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cert::progress::{Progress, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Stages with fewer items than this are not drawn: they are over before a bar is read.
pub(crate) const MIN_ITEMS: u64 = 100;

/// How often a spinner turns.
const TICK: Duration = Duration::from_millis(120);

/// The bar of the stage in progress, if it is drawn.
#[derive(Default)]
pub(crate) struct Bars {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    bar: Option<ProgressBar>,
    /// Whether the last counted stage was large enough to draw: a stage without a count
    /// (writing the certificates just signed) is drawn only after one that was.
    large: bool,
}

impl Bars {
    /// Bars to hand to the library (`Ca::with_progress`, `tree::write_tar`).
    pub(crate) fn new() -> Arc<Bars> {
        Arc::new(Bars::default())
    }

    /// A spinner with `message` until the returned guard is dropped, for work the library does
    /// not count (reading a whole CA directory).
    pub(crate) fn spinner(message: &'static str) -> Spinner {
        Spinner(spinner(message))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: u64) {
        let mut state = self.state();
        if let Some(old) = state.bar.take() {
            old.finish_and_clear();
        }
        if total == 0 {
            if state.large {
                state.bar = Some(spinner(stage.describe()));
            }
            return;
        }
        state.large = total >= MIN_ITEMS;
        if !state.large {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:>20} [{wide_bar}] {human_pos}/{human_len} ({elapsed}, {eta} left)",
        )
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(stage.describe());
        state.bar = Some(bar);
    }

    fn advance(&self, count: u64) {
        if let Some(bar) = &self.state().bar {
            bar.inc(count);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.state().bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// A spinner that is cleared when dropped.
pub(crate) struct Spinner(ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_message(message);
    bar.enable_steady_tick(TICK);
    bar
}
