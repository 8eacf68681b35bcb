//! The `passerelles` binary: one program, several subcommands.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod data_rights_cli;
mod portability_cli;
mod territories_cli;
use passerelles::accounts;
use passerelles::actor::Actor;
use passerelles::config::{Config, Overrides};
use passerelles::error::AppError;
use passerelles::state::AppState;

#[derive(Parser)]
#[command(name = "passerelles", version, about = "Passerelles: communities of practice, watch, events and territories in one sober server.", long_about = None)]
struct Cli {
    #[command(flatten)]
    storage: Storage,
    #[command(subcommand)]
    command: Command,
}

/// Storage options, valid for every subcommand.
#[derive(Args, Clone)]
struct Storage {
    /// TOML configuration file (defaults < file < environment < flags).
    #[arg(long, global = true, env = "PASSERELLES_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the embedded database, mail outbox and local state [default: ./data].
    #[arg(long, global = true, env = "PASSERELLES_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://path.db or postgres://user@host/db [default: <data-dir>/passerelles.db].
    #[arg(long, global = true, env = "PASSERELLES_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "PASSERELLES_BIND")]
        bind: Option<SocketAddr>,
        /// Public base URL used in e-mails and links [default: http://<bind>].
        #[arg(long, env = "PASSERELLES_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Take in replies sent by e-mail (needs `[inbound_mail] enabled`): one
    /// message on standard input, as a mail server's pipe delivers it, or
    /// every message in a maildir's `new/` (each then moved to `cur/`). A
    /// refused message gets a bounce e-mail with the reason; exit status 75
    /// (EX_TEMPFAIL) asks the mail server to try again later.
    MailIn {
        /// The address the message was delivered to (the pipe's recipient);
        /// otherwise the message's own To, Cc and Delivered-To are read.
        #[arg(long)]
        recipient: Option<String>,
        /// A maildir to empty instead of reading standard input.
        #[arg(long)]
        maildir: Option<PathBuf>,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Internal: read a PDF on standard input, write its text on standard
    /// output, within lowered memory and CPU limits (the server runs it for
    /// each uploaded PDF; `library::pdftext`).
    #[command(hide = true)]
    PdfText,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a local account (verified e-mail), reading the password from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// Read the password from standard input (required: passwords never go in arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the account an instance administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Fill an empty instance with realistic, deterministic demo content
    /// (scale 1: 4,300 members, 120 communities, 6,000 publications).
    SeedDemo {
        /// Multiplier of the old platform's size (100 = 600,000 publications).
        #[arg(long, default_value_t = 1)]
        scale: i64,
        /// Random seed (same seed, same content).
        #[arg(long, default_value_t = 2021)]
        seed: u64,
        /// Add demo content even if the instance already has accounts.
        #[arg(long)]
        force: bool,
        /// Exact sizes instead of a scale, as USERS,COMMUNITIES,PUBLICATIONS (for tests).
        #[arg(long, hide = true)]
        sizes: Option<String>,
    },
    /// Register, list or remove the tools that sign in with this instance (OpenID Connect clients).
    OidcClient {
        #[command(subcommand)]
        command: OidcClientCommand,
    },
    /// Publish a new OpenID Connect signing key now; it signs once relying
    /// parties have had two days to fetch it.
    OidcRotateKey,
    /// Rebuild the search index from the content (safe while serving).
    Reindex,
    /// Territories: import the official files (regions, MRCs, municipalities).
    Territories {
        #[command(subcommand)]
        command: territories_cli::TerritoriesCommand,
    },
    /// Suspend an account at once: its sessions end (with back-channel
    /// logouts to tools), its API tokens are revoked, the audit log records
    /// the reason. The same operation as the administration page.
    Suspend {
        /// Username or e-mail address.
        user: String,
        /// Why (required; shown to administrators, kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Lift a suspension.
    Unsuspend {
        /// Username or e-mail address.
        user: String,
    },
    /// Make an active local account an instance administrator (the same
    /// operation as the administration page; recorded in the audit log).
    Promote {
        /// Username or e-mail address.
        user: String,
    },
    /// Take an administrator's powers away (never the last active one).
    Demote {
        /// Username or e-mail address.
        user: String,
    },
    /// Measure search quality on a relevance set (recall and precision per
    /// query), in a fresh temporary SQLite database unless --database-url is given.
    SearchEval {
        /// The relevance set (TOML); the built-in French/English set by default.
        #[arg(long)]
        set: Option<std::path::PathBuf>,
    },
    /// Measure search latency on the current content: index build time and
    /// size, then p50/p95/p99 over a mix of queries.
    SearchBench {
        /// Queries to run per kind of query.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        /// Rebuild the index first (and time it).
        #[arg(long)]
        rebuild: bool,
        /// Compact the index first (after bulk loads made by older versions).
        #[arg(long)]
        optimize: bool,
    },
    /// Make a member follow a community of another instance, by its handle
    /// (`name@host`, `!name@host` or the group's URL); the same operation
    /// as `/settings/federation`.
    FederationFollow {
        /// Username or e-mail address of the member.
        user: String,
        /// The community's handle.
        handle: String,
    },
    /// Allow, block (defederate) or forget an instance; the same operation
    /// as `/admin/federation`.
    FederationInstance {
        /// Its host (with its port, if any).
        host: String,
        /// allowed | blocked | none
        #[arg(long)]
        decision: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Write a community's archive (members with their consents, publications,
    /// replies, events, wiki, files; docs/community-export/README.md) into a zip file.
    CommunityExport {
        /// The community's slug.
        slug: String,
        /// The zip file to write.
        out: std::path::PathBuf,
    },
    /// Build a person's "download my data" archive now, without e-mail,
    /// and print what it took (wall and CPU time, size, items, largest
    /// buffer, peak memory during the build): the benchmark of BENCHMARKS.md.
    DataExport {
        /// Username or e-mail address [default: the person with the most
        /// publications and replies].
        user: Option<String>,
        /// Also write the archive to this zip file.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Keep it (its owner may download it for 7 days) instead of removing it.
        #[arg(long)]
        keep: bool,
    },
    /// Import a community archive, or a Discourse or HumHub export, with a
    /// report line per item; idempotent, resumable after a crash.
    Import {
        #[command(subcommand)]
        command: portability_cli::ImportCommand,
    },
    /// Import a SKOS thesaurus (Turtle or JSON-LD) into the lexicon as accepted terms,
    /// with a report line per concept.
    LexiconImport {
        /// The SKOS file: Turtle, or JSON-LD (read as such when it starts with `{` or `[`).
        file: std::path::PathBuf,
    },
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum OidcClientCommand {
    /// Register a tool; prints its client id and, for a confidential client, its secret (once).
    Add {
        /// Name shown on the consent screen and in "My tools".
        #[arg(long)]
        name: String,
        /// Redirect URI, compared exactly (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Address to return to after logging out (repeat for several).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Where to POST a logout token when a session that signed in to the tool ends.
        #[arg(long, default_value = "")]
        backchannel_logout_uri: String,
        /// A public client (no secret; PKCE S256 required).
        #[arg(long)]
        public: bool,
        /// Allowed scopes, space-separated.
        #[arg(long, default_value = "openid profile email groups offline_access")]
        scopes: String,
        /// The instance's own tool: no consent screen.
        #[arg(long)]
        first_party: bool,
        /// Require PKCE S256 although the client is confidential.
        #[arg(long)]
        require_pkce: bool,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        home_url: String,
        /// An icon file (PNG, JPEG, WebP or GIF), processed and stored locally.
        #[arg(long)]
        icon: Option<std::path::PathBuf>,
        /// ID-token signing algorithm (`id_token_signed_response_alg`).
        #[arg(long, default_value = "RS256", value_parser = ["RS256", "ES256", "EdDSA"])]
        alg: String,
        /// Show the tool only to members of this community (slug; repeat for
        /// several). Without it, every member of the instance sees it.
        #[arg(long = "community")]
        communities: Vec<String>,
        /// Add `id` (the account id, a number) to userinfo, for tools that
        /// sign in through a GitLab-style route (Mattermost Team Edition).
        #[arg(long)]
        gitlab_compat: bool,
    },
    /// List registered tools.
    List,
    /// Remove a tool (its consents, grants and tokens go with it).
    Remove { client_id: String },
}

/// The account named on the command line (username or e-mail address).
async fn cli_user(state: &AppState, login: &str) -> anyhow::Result<passerelles::accounts::User> {
    accounts::by_login(&state.db, login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account named {login}"))
}

/// An operation's refusal, said in words on the command line (French
/// messages are the interface's; the CLI speaks the operator's English).
fn cli_op<T>(r: Result<T, AppError>) -> anyhow::Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(AppError::Invalid { fields }) => {
            let lang = passerelles::i18n::Lang::En;
            let said: Vec<String> = fields
                .iter()
                .map(|(f, k)| format!("{f}: {}", lang.t(k)))
                .collect();
            anyhow::bail!("refused: {}", said.join("; "))
        }
        Err(AppError::Conflict { message_key, .. }) => {
            anyhow::bail!("refused: {}", passerelles::i18n::Lang::En.t(message_key))
        }
        Err(AppError::Forbidden) => anyhow::bail!("refused: not allowed"),
        Err(e) => Err(anyhow::anyhow!(e)),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::PdfText = cli.command {
        // No runtime, no configuration, no database: a short-lived reader.
        return ExitCode::from(passerelles::library::pdftext::run_helper() as u8);
    }
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// One inbound message: a reply made, or refused with a bounce (true); or
/// to try again later (false).
async fn mail_in_one(state: &AppState, raw: &[u8], envelope: &[String]) -> anyhow::Result<bool> {
    use passerelles::notifications::inbound::{self, Outcome};
    let (outcome, parsed) = inbound::receive(state, raw, envelope).await?;
    match outcome {
        Outcome::Replied {
            publication_id,
            reply_id,
        } => {
            println!("reply {reply_id} published in publication {publication_id}");
            Ok(true)
        }
        Outcome::Duplicate => {
            println!("already received");
            Ok(true)
        }
        Outcome::Refused(r) => {
            let (code, status, reason) = r.smtp();
            eprintln!("refused: {code} {status} {reason}");
            if let Some(p) = parsed
                && inbound::bounce(state, &p, r).await?
            {
                eprintln!("a bounce was sent to {}", p.from.unwrap_or_default());
            }
            Ok(true)
        }
        Outcome::Later(why) => {
            eprintln!("not taken in now ({why}); try again later");
            Ok(false)
        }
    }
}

fn init_logs(format: &str) {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("PASSERELLES_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let fmt = tracing_subscriber::fmt::layer().with_target(false);
    let fmt = if format == "json" {
        fmt.json().boxed()
    } else {
        // Field values are cut at 400 bytes: the slow-statement log would
        // otherwise print a bulk statement's every placeholder (a seed's
        // multi-row insert is 300 kB of text).
        use tracing_subscriber::field::MakeExt;
        fmt.fmt_fields(
            tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
                let mut s = format!("{value:?}");
                if s.len() > 400 {
                    let mut cut = 400;
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    s.truncate(cut);
                    s.push_str("… (cut)");
                }
                if field.name() == "message" {
                    write!(w, "{s}")
                } else {
                    write!(w, "{}={s}", field.name())
                }
            })
            .delimited(" "),
        )
        .boxed()
    };
    // Statement counting (benchmarks, tests) sees sqlx's debug events
    // without letting them into the logs.
    let count = (std::env::var("PASSERELLES_COUNT_SQL").as_deref() == Ok("1")).then(|| {
        passerelles::metrics::SqlCounter.with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::TRACE),
        )
    });
    // The slow-statement log (db.rs): always counted, for /metrics.
    let slow = passerelles::metrics::SlowSqlCounter.with_filter(
        tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::WARN),
    );
    tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(count)
        .with(slow)
        .init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut over = Overrides {
        config_file: cli.storage.config.clone(),
        data_dir: cli.storage.data_dir.clone(),
        database_url: cli.storage.database_url.clone(),
        ..Default::default()
    };
    if let Command::Serve { bind, public_url } = &cli.command {
        over.bind = *bind;
        over.public_url = public_url.clone();
    }
    let config = Config::load(&over)?;
    init_logs(&config.log_format);
    match cli.command {
        Command::Serve { .. } => passerelles::app::serve(config).await,
        // Handled in `main`, before the runtime.
        Command::PdfText => Ok(()),
        Command::MailIn { recipient, maildir } => {
            anyhow::ensure!(
                config.inbound_mail.enabled,
                "replies by e-mail are off: set [inbound_mail] enabled = true (or PASSERELLES_INBOUND_MAIL=1)"
            );
            let state = passerelles::app::build_state(config).await?;
            let envelope: Vec<String> = recipient.into_iter().collect();
            match maildir {
                None => {
                    let mut raw = Vec::new();
                    std::io::stdin().read_to_end(&mut raw)?;
                    if !mail_in_one(&state, &raw, &envelope).await? {
                        std::process::exit(75);
                    }
                }
                Some(dir) => {
                    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("new"))?
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file())
                        .collect();
                    names.sort();
                    std::fs::create_dir_all(dir.join("cur"))?;
                    let mut later = 0;
                    for path in names {
                        let raw = std::fs::read(&path)?;
                        if mail_in_one(&state, &raw, &envelope).await? {
                            let name = path.file_name().unwrap_or_default().to_string_lossy();
                            std::fs::rename(&path, dir.join("cur").join(format!("{name}:2,S")))?;
                        } else {
                            later += 1;
                        }
                    }
                    if later > 0 {
                        std::process::exit(75);
                    }
                }
            }
            Ok(())
        }
        Command::Migrate => {
            let db = passerelles::db::Db::connect(&config.database_url(), 2).await?;
            let n = db.migrate().await?;
            println!("{n} migration(s) applied.");
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::SeedDemo {
                    scale,
                    seed,
                    force,
                    sizes,
                },
        } => {
            let db = passerelles::db::Db::connect(&config.database_url(), 4).await?;
            db.migrate().await?;
            let r = match sizes {
                Some(s) => {
                    let n: Vec<i64> = s
                        .split(',')
                        .map(|x| x.trim().parse())
                        .collect::<Result<_, _>>()?;
                    anyhow::ensure!(n.len() == 3, "--sizes takes USERS,COMMUNITIES,PUBLICATIONS");
                    let sizes = passerelles::seed::Sizes {
                        users: n[0],
                        communities: n[1],
                        publications: n[2],
                    };
                    passerelles::seed::seed_sized(&db, sizes, seed, force).await?
                }
                None => passerelles::seed::seed_demo(&db, scale, seed, force).await?,
            };
            let files = passerelles::library::demo::seed_files(
                &db,
                passerelles::library::storage::for_config(&config),
            )
            .await?;
            println!("Demo library: {files} resources given a PDF.");
            println!(
                "Demo content: {} members, {} communities, {} publications, {} replies in {:.1} s.",
                r.users, r.communities, r.publications, r.replies, r.seconds
            );
            println!("Every demo account's password is: {}", r.password);
            if !r.accounts.is_empty() {
                println!("Ready to try, each in \"{}\":", r.accounts[0].2);
                for (role, username, _) in &r.accounts {
                    println!("  {role:<10} {username}");
                }
            }
            println!(
                "No administrator is made (the password above is public): passerelles admin create-user --admin"
            );
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::OidcClient { command },
        } => {
            let state = passerelles::app::build_state(config).await?;
            oidc_client(&state, command).await
        }
        Command::Admin {
            command: AdminCommand::OidcRotateKey,
        } => {
            let db = passerelles::db::Db::connect(&config.database_url(), 2).await?;
            db.migrate().await?;
            passerelles::oidc::keys::ensure(&db, passerelles::db::now()).await?;
            for (alg, kid) in passerelles::oidc::keys::rotate(&db).await? {
                println!(
                    "{alg} key {kid} is published; it signs from {} s from now.",
                    passerelles::oidc::keys::PUBLISH_AHEAD
                );
            }
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Suspend { user, reason },
        } => {
            let state = passerelles::app::build_state(config).await?;
            let target = cli_user(&state, &user).await?;
            cli_op(
                passerelles::accounts::ops::suspend(&state, &Actor::CLI, &target, &reason).await,
            )?;
            println!("{} is suspended.", target.username);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::FederationFollow { user, handle },
        } => {
            let state = passerelles::app::build_state(config).await?;
            let target = cli_user(&state, &user).await?;
            let f = cli_op(
                passerelles_core::federation::ops::follow(&state, &Actor::person(&target), &handle)
                    .await,
            )?;
            println!(
                "{} follows {} ({}); the group answers later.",
                target.username, f.target, f.state
            );
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::FederationInstance {
                    host,
                    decision,
                    reason,
                },
        } => {
            let state = passerelles::app::build_state(config).await?;
            cli_op(
                passerelles_core::federation::ops::decide_instance(
                    &state,
                    &Actor::CLI,
                    &host,
                    &decision,
                    &reason,
                )
                .await,
            )?;
            println!("{host}: {decision}.");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Unsuspend { user },
        } => {
            let state = passerelles::app::build_state(config).await?;
            let target = cli_user(&state, &user).await?;
            cli_op(passerelles::accounts::ops::unsuspend(&state, &Actor::CLI, &target).await)?;
            println!("{} is active.", target.username);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Promote { user },
        } => {
            let state = passerelles::app::build_state(config).await?;
            let target = cli_user(&state, &user).await?;
            cli_op(passerelles::accounts::ops::promote(&state, &Actor::CLI, &target).await)?;
            println!("{} is an administrator.", target.username);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Demote { user },
        } => {
            let state = passerelles::app::build_state(config).await?;
            let target = cli_user(&state, &user).await?;
            cli_op(passerelles::accounts::ops::demote(&state, &Actor::CLI, &target).await)?;
            println!("{} is no longer an administrator.", target.username);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Territories { command },
        } => {
            let state = passerelles::app::build_state(config).await?;
            territories_cli::run(&state, command).await
        }
        Command::Admin {
            command: AdminCommand::CommunityExport { slug, out },
        } => {
            let state = passerelles::app::build_state(config).await?;
            portability_cli::export(&state, &slug, out).await
        }
        Command::Admin {
            command: AdminCommand::DataExport { user, out, keep },
        } => {
            let state = passerelles::app::build_state(config).await?;
            data_rights_cli::data_export(&state, user, out, keep).await
        }
        Command::Admin {
            command: AdminCommand::Import { command },
        } => {
            let state = passerelles::app::build_state(config).await?;
            portability_cli::import(&state, command).await
        }
        Command::Admin {
            command: AdminCommand::LexiconImport { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let concepts = passerelles::lexicon::import::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let state = passerelles::app::build_state(config).await?;
            let report = passerelles::lexicon::import::import(&state, &Actor::CLI, &concepts).await;
            let mut created = 0;
            for (name, outcome) in &report {
                use passerelles::lexicon::import::Outcome;
                match outcome {
                    Outcome::Created(slug) => {
                        created += 1;
                        println!("created  {name} → /lexicon/{slug}");
                    }
                    Outcome::Exists(slug) => println!("exists   {name} → /lexicon/{slug}"),
                    Outcome::Refused(why) => println!("refused  {name}: {why}"),
                }
            }
            println!("{created} of {} concepts imported.", report.len());
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Reindex,
        } => {
            let db = passerelles::db::Db::connect(&config.database_url(), 4).await?;
            db.migrate().await?;
            let r = passerelles::search::reindex_all(&db).await?;
            let words = passerelles::search::vocab::refresh(&db).await?;
            println!(
                "Search index rebuilt: {} items in {:.1} s ({words} new entries read into the vocabulary).",
                r.docs, r.seconds
            );
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::SearchEval { set },
        } => {
            let text = match set {
                Some(p) => std::fs::read_to_string(&p)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
                None => passerelles::search::eval::BUILTIN_SET.to_string(),
            };
            let explicit_db = cli.storage.database_url.is_some();
            let (db, _tmp) = if explicit_db {
                (
                    passerelles::db::Db::connect(&config.database_url(), 4).await?,
                    None,
                )
            } else {
                let dir =
                    std::env::temp_dir().join(format!("passerelles-eval-{}", std::process::id()));
                std::fs::create_dir_all(&dir)?;
                let url = format!("sqlite://{}/eval.db?mode=rwc", dir.display());
                (passerelles::db::Db::connect(&url, 4).await?, Some(dir))
            };
            db.migrate().await?;
            let report = passerelles::search::eval::run(&db, &text).await?;
            print!("{}", report.table());
            if let Some(dir) = _tmp {
                let _ = std::fs::remove_dir_all(dir);
            }
            anyhow::ensure!(
                report.recall() >= passerelles::search::eval::RECALL_TARGET,
                "recall {:.3} is under the target {}",
                report.recall(),
                passerelles::search::eval::RECALL_TARGET
            );
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::SearchBench {
                    rounds,
                    rebuild,
                    optimize,
                },
        } => {
            let db = passerelles::db::Db::connect(&config.database_url(), 4).await?;
            db.migrate().await?;
            if optimize {
                let t = std::time::Instant::now();
                passerelles::search::optimize(&db).await?;
                println!("index compacted in {:.1} s", t.elapsed().as_secs_f64());
            }
            passerelles::search::eval::bench(&db, rounds, rebuild).await
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    username,
                    email,
                    password_stdin: _,
                    admin,
                },
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            let state = passerelles::app::build_state(config).await?;
            // The same operation as the sign-up page and the setup link,
            // acted by the instance: it may make an administrator, and
            // vouches for the address.
            let created = passerelles::accounts::signup::create(
                &state,
                passerelles::accounts::signup::Creator::By {
                    actor: &Actor::CLI,
                    admin,
                },
                passerelles::accounts::signup::NewAccount {
                    username: &username,
                    email: &email,
                    password,
                    locale: "fr-CA",
                },
                "",
            )
            .await;
            match created {
                Ok(c) => {
                    println!(
                        "Account {} created{}.",
                        c.user.username,
                        if admin { " (administrator)" } else { "" }
                    );
                    Ok(())
                }
                Err(e) => cli_op(Err(e)),
            }
        }
    }
}

/// The registry's operations, acted by the instance (the same as the
/// administration pages').
async fn oidc_client(state: &AppState, command: OidcClientCommand) -> anyhow::Result<()> {
    use passerelles::oidc::{clients, ops};
    let db = &state.db;
    match command {
        OidcClientCommand::Add {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            public,
            scopes,
            first_party,
            require_pkce,
            description,
            home_url,
            icon,
            alg,
            communities,
            gitlab_compat,
        } => {
            let community_ids = match ops::community_ids(state, &communities).await? {
                Ok(ids) => ids,
                Err(unknown) => anyhow::bail!("no community {}", unknown.join(", ")),
            };
            let icon_png = match icon {
                Some(path) => {
                    let bytes = std::fs::read(&path)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                    Some(
                        passerelles::images::make_icon(&bytes, ops::ICON_SIZE)
                            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                    )
                }
                None => None,
            };
            let new = clients::NewClient {
                name,
                description,
                home_url,
                alg,
                communities: community_ids,
                icon_png,
                redirect_uris,
                post_logout_redirect_uris,
                backchannel_logout_uri,
                is_public: public,
                scopes: scopes.split_whitespace().map(str::to_string).collect(),
                first_party,
                require_pkce,
                gitlab_compat,
            };
            match ops::register(state, &Actor::CLI, &new).await {
                Ok((client, secret)) => {
                    println!("client_id={}", client.client_id);
                    if let Some(secret) = secret {
                        println!("client_secret={secret}");
                        eprintln!(
                            "Copy the secret now: it is stored hashed and will not be shown again."
                        );
                    }
                    Ok(())
                }
                Err(AppError::Invalid { fields }) => {
                    let lang = passerelles::i18n::Lang::En;
                    let reasons: Vec<String> = fields
                        .iter()
                        .map(|(f, k)| format!("{f}: {}", lang.t(k)))
                        .collect();
                    anyhow::bail!("client refused: {}", reasons.join("; "))
                }
                Err(e) => cli_op(Err(e)),
            }
        }
        OidcClientCommand::List => {
            let links = clients::all_communities(db).await?;
            for c in clients::list(db).await? {
                let audience = if c.instance_wide {
                    "instance".to_string()
                } else {
                    let slugs: Vec<&str> = links
                        .iter()
                        .filter(|(pk, _)| *pk == c.id)
                        .map(|(_, k)| k.slug.as_str())
                        .collect();
                    format!("communities:{}", slugs.join(","))
                };
                println!(
                    "{}\t{}\t{}\t{}{}{}\t{}\t{}\t{}",
                    c.client_id,
                    c.name,
                    if c.is_public {
                        "public"
                    } else {
                        "confidential"
                    },
                    c.scopes.join(" "),
                    if c.first_party { "\tfirst-party" } else { "" },
                    if c.gitlab_compat {
                        "\tgitlab-compat"
                    } else {
                        ""
                    },
                    c.alg,
                    audience,
                    c.redirect_uris.join(" ")
                );
            }
            Ok(())
        }
        OidcClientCommand::Remove { client_id } => {
            match ops::remove(state, &Actor::CLI, &client_id).await {
                Ok(()) => {
                    println!("Client {client_id} removed.");
                    Ok(())
                }
                Err(AppError::NotFound) => anyhow::bail!("no client {client_id}"),
                Err(e) => cli_op(Err(e)),
            }
        }
    }
}
