//! Start-up and the `serve` loop: connect, migrate, start the job worker,
//! announce the setup link, serve until SIGTERM.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Config;
use crate::db::Db;
use crate::mail::Mailer;
use crate::state::AppState;

/// Connect to the database, apply migrations and build the shared state.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.data_dir.display()
        )
    })?;
    crate::proxy::Proxies::from_config(&config).context("invalid proxy configuration")?;
    let db = Db::connect(&config.database_url(), config.db_max_connections).await?;
    db.migrate().await?;
    let mailer = Mailer::new(&config.smtp, config.outbox_dir())?;
    Ok(AppState::new(db, config, mailer))
}

/// A running server: its address and a handle to stop it (tests use this).
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    /// Where the inbound SMTP listener listens, when it runs.
    pub mail_in: Option<std::net::SocketAddr>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.task.await??;
        Ok(())
    }
}

/// Bind, start the worker and serve in the background.
pub async fn start(state: AppState) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(state.config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", state.config.bind))?;
    start_with(state, listener).await
}

/// Serve on an already bound listener.
pub async fn start_with(
    state: AppState,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<Running> {
    let t0 = Instant::now();
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = tokio::sync::watch::channel(false);

    tokio::spawn(state.jobs.clone().run_worker(
        state.db.clone(),
        state.mailer.clone(),
        stop_rx.clone(),
    ));
    tokio::spawn(maintenance(state.clone(), stop_rx.clone()));
    tokio::spawn(notification_mail(state.clone(), stop_rx.clone()));
    tokio::spawn(news_feeds(state.clone(), stop_rx.clone()));
    let inbound = &state.config.inbound_mail;
    let mail_in = match inbound.listen.filter(|_| inbound.enabled) {
        Some(at) => {
            let smtp = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen for inbound mail on {at}"))?;
            let bound = smtp.local_addr()?;
            tokio::spawn(crate::mail_in::listen(state.clone(), smtp, stop_rx.clone()));
            tracing::info!(addr = %bound, "inbound mail listener");
            Some(bound)
        }
        None => None,
    };
    let rebuild = match crate::search::needs_rebuild(&state.db).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "could not check the search index version");
            false
        }
    };
    tokio::spawn(search_tasks(state.clone(), rebuild, stop_rx.clone()));

    let mut rx = stop_rx;
    let shutdown = async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let task = tokio::spawn(crate::web::serve(state.clone(), listener, shutdown));
    tracing::info!(%addr, ms = t0.elapsed().as_millis() as u64, "listening");
    Ok(Running {
        addr,
        state,
        mail_in,
        stop,
        task,
    })
}

/// Queue the maintenance job every hour (de-duplicated across nodes).
async fn maintenance(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let hour = crate::db::now() / 3600;
        let key = format!("maintenance:{hour}");
        if let Err(e) = state
            .jobs
            .push(&state.db, &crate::jobs::Job::Maintenance, Some(&key))
            .await
        {
            tracing::debug!(error = %e, "could not queue maintenance");
        }
        // Subscribed iCalendar feeds whose period has come.
        if let Err(e) = crate::events::import::queue_due(&state, crate::db::now()).await {
            tracing::debug!(error = %e, "could not queue calendar feed fetches");
        }
        // Reminders of events to their participants.
        if let Err(e) = crate::events::mail::queue_reminders(&state, crate::db::now()).await {
            tracing::debug!(error = %e, "could not queue event reminders");
        }
        // Account deletions past their grace period, and the community
        // health summaries (issue 20).
        let deletions = crate::jobs::Job::DueDeletions {
            base_url: state.config.public_url(),
            instance: state.instance_name(),
        };
        // Cited links due for a check (library, issue 19).
        let links = crate::jobs::Job::CheckLinks {
            user_agent: crate::fetch::user_agent(&state.config.public_url()),
        };
        for (job, name) in [
            (deletions, "deletions"),
            (crate::jobs::Job::CommunityHealth, "health"),
            (links, "links"),
        ] {
            let key = format!("{name}:{hour}");
            if let Err(e) = state.jobs.push(&state.db, &job, Some(&key)).await {
                tracing::debug!(error = %e, "could not queue {name}");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// News aggregation: a pass over the feeds that are due, queued every
/// minute (one waiting pass at most across nodes: its de-duplication key).
async fn news_feeds(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = crate::news::ops::queue_pass(&state).await {
            tracing::debug!(error = %e, "news pass not queued");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Notification e-mails, every minute on every node: the immediate pass,
/// then the digests whose local hour has come (`notifications::email`,
/// `notifications::digest`; claims in the database keep nodes from
/// sending twice).
async fn notification_mail(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    // The first pass waits a few minutes after start-up (a node restarting
    // in a loop sends nothing twice anyway: the claims are rows).
    let mut wait = Duration::from_secs(300);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        wait = Duration::from_secs(60);
        let at = crate::db::now();
        if let Err(e) = crate::notifications::email::send_due(&state, at).await {
            tracing::debug!(error = %e, "notification e-mails not sent");
        }
        if let Err(e) = crate::notifications::push::send_due(&state, at).await {
            tracing::debug!(error = %e, "push notifications not sent");
        }
        if let Err(e) = crate::notifications::digest::schedule(&state, at).await {
            tracing::debug!(error = %e, "digests not scheduled");
        }
    }
}

/// Search upkeep: rebuild the index when its analysis changed (the old
/// entries answer meanwhile), then check saved searches every minute.
async fn search_tasks(
    state: AppState,
    rebuild: bool,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if rebuild {
        match crate::search::reindex_all(&state.db).await {
            Ok(r) => tracing::info!(docs = r.docs, seconds = r.seconds, "search index rebuilt"),
            Err(e) => tracing::warn!(error = %e, "search index rebuild failed"),
        }
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = crate::search::saved::check_due(&state.db, SAVED_SEARCH_INTERVAL).await {
            tracing::debug!(error = %e, "saved searches not checked");
        }
    }
}

/// Seconds between two checks of one saved search.
const SAVED_SEARCH_INTERVAL: i64 = 300;

/// `passerelles serve`: run until SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let state = build_state(config).await?;
    let setup = crate::web::pages::prepare_setup(&state).await?;
    let running = start(state).await?;
    let url = running.state.config.public_url();
    println!(
        "Passerelles is running on {url} (ready in {} ms)",
        t0.elapsed().as_millis()
    );
    if !running.state.mailer.is_smtp() {
        println!(
            "No SMTP server is configured: e-mails are written to {} and their links logged.",
            running.state.config.outbox_dir().display()
        );
    }
    if let Some(link) = setup {
        println!();
        println!("No administrator yet. Create the first one by opening this one-time link:");
        println!("    {link}");
        println!("or from a terminal:");
        println!(
            "    passerelles admin create-user --username NAME --email ADDRESS --admin --password-stdin"
        );
        println!();
    }
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.stop().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
