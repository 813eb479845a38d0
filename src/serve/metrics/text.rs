//! Prometheus' text exposition format (0.0.4), written by hand for a dozen series: counter
//! families by one label, histograms with fixed buckets, and the writer with its escaping.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

/// Counters by one label value.
#[derive(Default)]
pub(super) struct Family(Mutex<BTreeMap<String, u64>>);

impl Family {
    pub(super) fn add(&self, label: &str, count: u64) {
        let mut values = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *values.entry(label.to_owned()).or_default() += count;
    }

    pub(super) fn values(&self) -> Vec<(String, u64)> {
        let values = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        values.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// A histogram with fixed bucket bounds.
pub(super) struct Histogram {
    bounds: &'static [f64],
    state: Mutex<HistogramState>,
}

struct HistogramState {
    /// Observations at or below each bound (not cumulative).
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    pub(super) fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            state: Mutex::new(HistogramState {
                buckets: vec![0; bounds.len()],
                count: 0,
                sum: 0.0,
            }),
        }
    }

    pub(super) fn observe(&self, value: f64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = self.bounds.iter().position(|bound| value <= *bound) {
            state.buckets[index] += 1;
        }
        state.count += 1;
        state.sum += value;
    }
}

/// The text being written.
#[derive(Default)]
pub(super) struct Exposition(pub(super) String);

impl Exposition {
    pub(super) fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    pub(super) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let pairs: Vec<String> = labels
                .iter()
                .map(|(key, value)| format!("{key}=\"{}\"", escape_label(value)))
                .collect();
            let _ = write!(self.0, "{{{}}}", pairs.join(","));
        }
        let _ = writeln!(self.0, " {}", number(value));
    }

    pub(super) fn counters(&mut self, name: &str, help: &str, label: &str, family: &Family) {
        self.family(name, "counter", help);
        for (value, count) in family.values() {
            self.sample(name, &[(label, &value)], count as f64);
        }
    }

    pub(super) fn histogram(&mut self, name: &str, help: &str, histogram: &Histogram) {
        self.family(name, "histogram", help);
        let state = histogram
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (bound, count) in histogram.bounds.iter().zip(&state.buckets) {
            cumulative += count;
            self.sample(&bucket, &[("le", &number(*bound))], cumulative as f64);
        }
        self.sample(&bucket, &[("le", "+Inf")], state.count as f64);
        self.sample(&format!("{name}_sum"), &[], state.sum);
        self.sample(&format!("{name}_count"), &[], state.count as f64);
    }
}

/// A sample value as the format writes numbers (`1`, `0.25`, `+Inf`).
pub(super) fn number(value: f64) -> String {
    if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if value.is_nan() {
        "NaN".to_owned()
    } else {
        format!("{value}")
    }
}

/// A label value escaped: backslash, double quote and line feed.
pub(super) fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A help text escaped: backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}
