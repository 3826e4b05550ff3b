//! Engine query latency, as `shishin search` and `/api/search` pay it once the engine is built:
//! loads and renders the site once, builds the in-memory engine once, then times N queries
//! (default 1,000) cycling through the relevance queries after one warm-up pass.
//!
//!   cargo run --release --example search_latency -- [--root DIR] [--queries FILE] [--n N]
//!
//! Defaults: the current directory and its tests/eval/queries.yaml. Prints the set-up costs (what a
//! fresh `shishin search` process pays before its one query) and p50 / p99 / max per query.

use shishin::pipeline::{BuildOptions, check_site};
use shishin::search::eval::load_queries;
use shishin::search::site::engine_for_site;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let mut root = PathBuf::from(".");
    let mut queries_path = None;
    let mut n = 1000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{a} needs a value"));
        match a.as_str() {
            "--root" => root = PathBuf::from(value()?),
            "--queries" => queries_path = Some(PathBuf::from(value()?)),
            "--n" => n = value()?.parse()?,
            _ => anyhow::bail!("unknown argument {a} (use --root DIR, --queries FILE, --n N)"),
        }
    }
    let queries_path = queries_path.unwrap_or_else(|| root.join("tests/eval/queries.yaml"));
    let queries = load_queries(&queries_path).map_err(anyhow::Error::msg)?;
    anyhow::ensure!(!queries.is_empty() && n > 0, "no queries to time");

    let t = Instant::now();
    let (site, rendered) = check_site(&BuildOptions::new(&root)).map_err(|d| anyhow::anyhow!("{d}"))?;
    let load = t.elapsed();
    let t = Instant::now();
    let engine = engine_for_site(&site, &rendered).map_err(anyhow::Error::msg)?;
    let build = t.elapsed();

    // Warm-up: every query once (first-use costs such as lazily built tables are not per query).
    let mut hits = 0usize;
    for q in &queries {
        hits += engine.search(&q.q, 10).map(|h| h.len()).unwrap_or(0);
    }
    let mut times = Vec::with_capacity(n);
    let mut per_query = vec![Duration::ZERO; queries.len()];
    for i in 0..n {
        let q = &queries[i % queries.len()].q;
        let t = Instant::now();
        let found = engine.search(q, 10).map(|h| h.len()).unwrap_or(0);
        let took = t.elapsed();
        times.push(took);
        per_query[i % queries.len()] = per_query[i % queries.len()].max(took);
        std::hint::black_box(found);
    }
    if std::env::var_os("SLOWEST").is_some() {
        let mut slow: Vec<(Duration, &str)> = per_query.iter().zip(&queries).map(|(d, q)| (*d, q.q.as_str())).collect();
        slow.sort();
        for (d, q) in slow.iter().rev().take(10) {
            println!("{:8.3} ms  {q}", d.as_secs_f64() * 1000.0);
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} pages; load+render {:.0} ms, engine build {:.0} ms; {} queries ({} distinct, {} hits in the warm-up): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        site.pages.len(),
        ms(load),
        ms(build),
        n,
        queries.len(),
        hits,
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(*times.last().unwrap()),
    );
    Ok(())
}
