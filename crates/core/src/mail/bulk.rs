//! Bulk sending over one SMTP connection, each message in two steps
//! (`crate::newsletter::sender`).

use super::*;

/// Why a message of a [`Bulk`] send did not go: `permanent` when the
/// server refused it for good (5xx) or the address is invalid, so trying
/// again would not help; the text is the server's reply or the failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkError {
    pub permanent: bool,
    /// No reply from the server (it could not be reached, the connection
    /// broke, a timeout): nothing is known of the message's fate.
    pub connection: bool,
    pub message: String,
}

impl BulkError {
    fn from_smtp(e: &lettre::transport::smtp::Error) -> BulkError {
        BulkError {
            permanent: e.is_permanent(),
            connection: !(e.is_permanent() || e.is_transient()),
            message: e.to_string(),
        }
    }
}

/// A message whose envelope the server has accepted (MAIL, RCPT and DATA
/// answered): it holds nothing yet. Dropping the connection now discards
/// the transaction (RFC 5321 §3.3, §4.1.1.4), so the message may be sent
/// again safely; [`Bulk::commit`] sends its content and the final dot.
pub struct Prepared {
    bytes: Vec<u8>,
}

/// One SMTP connection that sends many messages, each in two steps, so
/// the caller can record between them that the message is being handed
/// over (`crate::newsletter::sender`): [`Bulk::envelope`] (nothing is
/// accepted yet) then [`Bulk::commit`] (the server takes responsibility
/// when it answers the final dot). In outbox mode, `commit` writes the
/// file. The connection is opened on first use and again after a failure.
pub struct Bulk {
    pub(super) mailer: Mailer,
    pub(super) conn: Option<lettre::transport::smtp::client::AsyncSmtpConnection>,
}

impl Bulk {
    async fn connect(
        config: &SmtpConfig,
    ) -> Result<lettre::transport::smtp::client::AsyncSmtpConnection, BulkError> {
        use lettre::transport::smtp::authentication::Mechanism;
        use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
        use lettre::transport::smtp::extension::ClientId;
        let fail = |e: &lettre::transport::smtp::Error| BulkError::from_smtp(e);
        let host = config.host.clone().unwrap_or_default();
        let host = host.trim().to_string();
        let hello = ClientId::default();
        let tls = |h: &str| {
            TlsParameters::new(h.to_string()).map_err(|e| BulkError {
                permanent: false,
                connection: true,
                message: e.to_string(),
            })
        };
        let implicit = match config.security {
            SmtpSecurity::Tls => Some(tls(&host)?),
            _ => None,
        };
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (host.as_str(), config.effective_port()),
            Some(config.effective_timeout()),
            &hello,
            implicit,
            None,
        )
        .await
        .map_err(|e| fail(&e))?;
        if config.security == SmtpSecurity::StartTls {
            conn.starttls(tls(&host)?, &hello)
                .await
                .map_err(|e| fail(&e))?;
        }
        if let Some(username) = config.username.as_deref().filter(|u| !u.is_empty()) {
            let creds = Credentials::new(
                username.to_owned(),
                config.password.clone().unwrap_or_default(),
            );
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds)
                .await
                .map_err(|e| fail(&e))?;
        }
        Ok(conn)
    }

    /// Build the message and, over SMTP, send its envelope: MAIL, RCPT,
    /// DATA. A refusal here (an unknown recipient…) is reported with the
    /// server's reply and the connection is reset for the next message.
    pub async fn envelope(&mut self, mail: &OutgoingMail) -> Result<Prepared, BulkError> {
        use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
        use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
        let message = self.mailer.build_message(mail).map_err(|e| BulkError {
            permanent: true,
            connection: false,
            message: e.to_string(),
        })?;
        let bytes = message.formatted();
        let Delivery::Smtp { config, .. } = &self.mailer.inner.delivery else {
            return Ok(Prepared { bytes });
        };
        if self.conn.as_ref().is_none_or(|c| c.has_broken()) {
            self.conn = Some(Self::connect(config).await?);
        }
        let Some(conn) = self.conn.as_mut() else {
            unreachable!("connected above")
        };
        let envelope = message.envelope();
        let mut options = Vec::new();
        let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
        if !envelope.to().iter().all(ascii) || envelope.from().is_some_and(|a| !ascii(a)) {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(BulkError {
                    permanent: true,
                    connection: false,
                    message: "the server does not accept non-ASCII addresses (SMTPUTF8)".into(),
                });
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let steps = async {
            conn.command(Mail::new(envelope.from().cloned(), options))
                .await?;
            for to in envelope.to() {
                conn.command(Rcpt::new(to.clone(), Vec::new())).await?;
            }
            conn.command(Data).await?;
            Ok::<_, lettre::transport::smtp::Error>(())
        }
        .await;
        match steps {
            Ok(()) => Ok(Prepared { bytes }),
            Err(e) => {
                let err = BulkError::from_smtp(&e);
                // A reply (4xx/5xx) leaves the connection usable once reset;
                // anything else (network, timeout) drops it.
                if (e.is_permanent() || e.is_transient()) && conn.command(Rset).await.is_ok() {
                    return Err(err);
                }
                self.conn = None;
                Err(err)
            }
        }
    }

    /// Send the content and the final dot; `Ok` when the server accepted
    /// the message (or the outbox file is written).
    pub async fn commit(&mut self, p: Prepared) -> Result<(), BulkError> {
        match &self.mailer.inner.delivery {
            Delivery::Outbox { dir } => {
                write_outbox(dir, &p.bytes)
                    .await
                    .map(|_| ())
                    .map_err(|e| BulkError {
                        permanent: false,
                        connection: true,
                        message: e.to_string(),
                    })
            }
            Delivery::Smtp { .. } => {
                let Some(conn) = self.conn.as_mut() else {
                    return Err(BulkError {
                        permanent: false,
                        connection: true,
                        message: "no connection".into(),
                    });
                };
                match conn.message(&p.bytes).await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        if !(e.is_permanent() || e.is_transient()) {
                            self.conn = None;
                        }
                        Err(BulkError::from_smtp(&e))
                    }
                }
            }
        }
    }

    /// Drop the connection in the middle of a transaction: the server
    /// discards the message whose envelope was sent.
    pub fn abandon(&mut self) {
        self.conn = None;
    }

    /// Say goodbye to the server.
    pub async fn close(mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = c.quit().await;
        }
    }
}
