//! How long each stage of a build took (`serve --verbose` prints them).

/// Wall time of each stage of one build, in the order they ran. Stages joined with rayon
/// overlap, so the figures can add up to more than the whole build.
#[derive(Debug, Clone, Default)]
pub struct Timings(pub Vec<(&'static str, std::time::Duration)>);

impl Timings {
    /// Runs `f` and records its wall time under `stage`.
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let (value, took) = timed(f);
        self.0.push((stage, took));
        value
    }
    pub fn push(&mut self, stage: &'static str, took: std::time::Duration) {
        self.0.push((stage, took));
    }
}

impl std::fmt::Display for Timings {
    /// `load 4.1 ms, validate 0.3 ms, …`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (stage, took)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{stage} {:.1} ms", took.as_secs_f64() * 1000.0)?;
        }
        Ok(())
    }
}

pub(super) fn timed<T>(f: impl FnOnce() -> T) -> (T, std::time::Duration) {
    let t = std::time::Instant::now();
    let value = f();
    (value, t.elapsed())
}
