//! CLI: argument parsing and exit codes only; every command calls into the library.

use clap::{Parser, Subcommand, ValueEnum};
use shishin::pipeline::{BuildOptions, BuiltSite, build_site};
use shishin::diagnostics::Diagnostics;
use std::path::PathBuf;
use std::process::ExitCode;

// A build makes millions of small allocations on every core (tokens, postings, strings for the
// index files): glibc's malloc took about a tenth of a build's CPU in a profile. mimalloc is
// built without transparent huge pages (feature `no_thp`): with them the peak memory rose by half.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "shishin", version, about = "指針 — static site generator and searchable reference for Japanese guidelines")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct RootArg {
    /// Site root (the folder with shishin.yaml)
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output directory (atomically)
    Build {
        #[command(flatten)]
        root: RootArg,
        /// Output directory (default: <root>/public)
        #[arg(long)]
        output: Option<PathBuf>,
        /// Replace a non-empty output directory that shishin did not create
        #[arg(long)]
        force: bool,
        /// Include pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
    },
    /// Run every check of `build` without writing anything
    Check {
        #[command(flatten)]
        root: RootArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Create a minimal site in DIR
    Init { dir: PathBuf },
    /// Show a clause's mappings (what it maps to and what maps to it)
    Mapping {
        #[command(flatten)]
        root: RootArg,
        /// Clause id, e.g. mic-3.2.3 or mhlw5-6.5
        #[arg(long = "from", value_name = "ID")]
        from: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Search the site (same analyser as the static index)
    Search {
        #[command(flatten)]
        root: RootArg,
        /// Print {"hits": [{id, title, url, snippet, score}]}
        #[arg(long)]
        json: bool,
        /// Words, a "quoted phrase" or a clause number (3.2.1, mhlw5 6.12)
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Relevance of the search engine on a query list (recall@5, MRR)
    Eval {
        #[command(flatten)]
        root: RootArg,
        /// Query file (default: <root>/tests/eval/queries.yaml)
        queries: Option<PathBuf>,
        /// Fail (exit 1) when recall@5 is below this (a query's `within: N` pin that misses also fails)
        #[arg(long, default_value_t = 0.95)]
        min_recall: f64,
    },
    /// Preview the site with live reload (built in memory; drafts shown; nothing written)
    Serve {
        #[command(flatten)]
        root: RootArg,
        /// Port to listen on (0: any free port; the first stdout line names it)
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; anything but loopback exposes the preview to the network
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Show pages marked `draft: true` (the default under serve)
        #[arg(long, overrides_with = "no_drafts")]
        drafts: bool,
        /// Leave out pages marked `draft: true`, as `build` does
        #[arg(long, overrides_with = "drafts")]
        no_drafts: bool,
        /// After each rebuild line, print how long each stage took
        #[arg(long, short)]
        verbose: bool,
    },
    /// サービス仕様適合開示書 / SLA参考例 answer files
    Disclosure {
        #[command(subcommand)]
        command: DisclosureCommand,
    },
}

#[derive(Subcommand)]
enum DisclosureCommand {
    /// Validate a filled answer file (JSON or CSV): exit 0 valid, 1 invalid answers, 2 unreadable
    Check {
        /// FILLED.json or FILLED.csv
        file: PathBuf,
        #[command(flatten)]
        root: RootArg,
    },
    /// Coverage of the guideline clauses by an answer file (partly filled is fine): exit 0 with a
    /// report, 2 when the file is unreadable or malformed
    Report {
        /// FILLED.json or FILLED.csv
        file: PathBuf,
        /// json (to stdout unless --output), csv, xlsx or html (these need --output)
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormatArg,
        /// Write the report to this file
        #[arg(long, value_name = "PATH")]
        output: Option<PathBuf>,
        #[command(flatten)]
        root: RootArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormatArg {
    Json,
    Csv,
    Xlsx,
    Html,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { root, output, force, drafts } => {
            let out = output.unwrap_or_else(|| root.root.join("public"));
            if let Err(e) = shishin::output::check_output_location(&root.root, &out) {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            let started = std::time::Instant::now();
            let mut opts = BuildOptions::new(&root.root);
            opts.include_drafts = drafts;
            match build_site(&opts) {
                Ok(built) => match timed_write(&built, &out, force) {
                    Ok(warnings) => {
                        for w in warnings {
                            eprintln!("{w}");
                        }
                        eprintln!(
                            "built {} pages, {} files ({} KB) into {} in {} ms",
                            built.site.pages.len(),
                            built.files.len(),
                            built.files.total_bytes() / 1024,
                            out.display(),
                            started.elapsed().as_millis()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        ExitCode::FAILURE
                    }
                },
                Err(diags) => report(&diags, Format::Text),
            }
        }
        // `check` runs the whole build (templates and exports included) and writes nothing,
        // so it finds exactly what `build` would.
        Command::Check { root, format } => match build_site(&BuildOptions::new(&root.root)) {
            Ok(BuiltSite { site, .. }) => {
                if format == Format::Json {
                    println!("{}", serde_json::json!({"ok": true, "pages": site.pages.len(), "errors": [], "skipped": 0}));
                } else {
                    eprintln!("ok: {} pages checked, no problems", site.pages.len());
                }
                ExitCode::SUCCESS
            }
            Err(diags) => report(&diags, format),
        },
        Command::Mapping { root, from, json } => shishin::cmd::mapping::cli(&root.root, &from, json),
        Command::Disclosure { command: DisclosureCommand::Check { file, root } } => ExitCode::from(shishin::cmd::disclosure::check(&file, &root.root)),
        Command::Disclosure { command: DisclosureCommand::Report { file, format, output, root } } => {
            use shishin::cmd::coverage::{ReportFormat, report};
            let format = match format {
                ReportFormatArg::Json => ReportFormat::Json,
                ReportFormatArg::Csv => ReportFormat::Csv,
                ReportFormatArg::Xlsx => ReportFormat::Xlsx,
                ReportFormatArg::Html => ReportFormat::Html,
            };
            ExitCode::from(report(&file, &root.root, format, output.as_deref()))
        }
        Command::Serve { root, port, bind, open, drafts: _, no_drafts, verbose } => {
            let opts = shishin::serve::ServeOptions { root: root.root, bind, port, open, include_drafts: !no_drafts, verbose };
            match shishin::serve::run(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Search { root, json, query } => match shishin::cmd::search::search_cli(&root.root, &query.join(" "), json) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Eval { root, queries, min_recall } => match shishin::cmd::search::eval_cli(&root.root, queries.as_deref()) {
            Ok(report) => {
                println!("{report}");
                // A `within` pin is a promise about first places: missing one fails like low recall.
                if report.recall >= min_recall && report.misplaced().is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Init { dir } => match shishin::init::init(&dir) {
            Ok(()) => {
                eprintln!("created a site in {}; next: shishin serve --root {} (its README.md says how to check and deploy it)", dir.display(), dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn report(diags: &Diagnostics, format: Format) -> ExitCode {
    if format == Format::Json {
        println!("{}", serde_json::json!({"ok": false, "errors": diags.0, "skipped": shishin::diagnostics::followup::skipped(&diags.0)}));
    } else {
        eprintln!("{diags}");
    }
    ExitCode::FAILURE
}

/// Writes the built site; with `SHISHIN_TIMINGS` set, prints how long each stage took (the
/// benchmarks' way of seeing where a build goes).
fn timed_write(built: &shishin::pipeline::BuiltSite, out: &std::path::Path, force: bool) -> Result<Vec<String>, shishin::output::WriteError> {
    let started = std::time::Instant::now();
    let result = shishin::output::write_atomic(&built.files, out, force);
    if std::env::var_os("SHISHIN_TIMINGS").is_some() {
        eprintln!("stages: {}, write: {} ms", built.timings, started.elapsed().as_millis());
    }
    result
}
