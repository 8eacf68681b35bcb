//! A small HTTP load generator for the benchmarks (loopback only).
//!
//! `loadgen --url http://127.0.0.1:8080/c/x --connections 50 --seconds 5 [--header 'Authorization: Bearer …']`
//! prints one JSON line: requests, errors, requests/s and latency percentiles (ms).
//!
//! `--body JSON` makes every request a POST of that JSON body, with `{n}`
//! replaced by a number unique to the request (for sustained writes).

use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = arg(&args, "--url") else {
        eprintln!("usage: loadgen --url URL [--connections N] [--seconds S] [--header 'K: V']");
        return std::process::ExitCode::FAILURE;
    };
    if !(url.starts_with("http://127.0.0.1")
        || url.starts_with("http://localhost")
        || url.starts_with("http://[::1]"))
    {
        eprintln!("loadgen only sends traffic to loopback addresses");
        return std::process::ExitCode::FAILURE;
    }
    let connections: usize = arg(&args, "--connections")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let seconds: f64 = arg(&args, "--seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(5.0);
    let header = arg(&args, "--header");
    let body = arg(&args, "--body");
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    else {
        return std::process::ExitCode::FAILURE;
    };
    rt.block_on(async move {
        let client = match reqwest::Client::builder().pool_max_idle_per_host(connections).build() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("client: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let client = client.clone();
            let url = url.clone();
            let header = header.clone();
            let body = body.clone();
            let task = tasks.len();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let mut req = match &body {
                        Some(b) => client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(b.replace("{n}", &format!("{task}-{}", lat.len() as u64 + errors))),
                        None => client.get(&url),
                    };
                    if let Some((k, v)) = header.as_deref().and_then(|h| h.split_once(':')) {
                        req = req.header(k.trim(), v.trim());
                    }
                    let t = Instant::now();
                    match req.send().await {
                        Ok(res) => {
                            let ok = res.status().is_success();
                            let _ = res.bytes().await;
                            if ok {
                                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                            } else {
                                errors += 1;
                            }
                        }
                        Err(_) => errors += 1,
                    }
                }
                (lat, errors)
            }));
        }
        let start = Instant::now();
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            if let Ok((l, e)) = t.await {
                all.extend(l);
                errors += e;
            }
        }
        let wall = start.elapsed().as_secs_f64().max(seconds);
        all.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| -> f64 {
            if all.is_empty() {
                return 0.0;
            }
            let i = ((p / 100.0) * (all.len() as f64 - 1.0)).round() as usize;
            all[i.min(all.len() - 1)]
        };
        println!(
            "{{\"requests\": {}, \"errors\": {}, \"rps\": {:.1}, \"p50\": {:.3}, \"p90\": {:.3}, \"p99\": {:.3}, \"max\": {:.3}}}",
            all.len(),
            errors,
            all.len() as f64 / wall,
            pct(50.0),
            pct(90.0),
            pct(99.0),
            all.last().copied().unwrap_or(0.0)
        );
        std::process::ExitCode::SUCCESS
    })
}
