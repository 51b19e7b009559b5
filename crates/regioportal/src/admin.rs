//! `regioportal users …` and `regioportal tokens …`: the operator's way to create the first
//! administrator and to manage tokens without the web interface. Every change is audited with
//! the actor "cli (<system user>)".

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use regioportal_domain::auth::{Email, Grant, Password, Role};
use regioportal_storage::{Actor, Store, TenantScope};

use crate::config::ConfigError;

/// Subcommands of `regioportal users`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a staff account; the password is read from a prompt or, piped, from stdin
    /// (never from the command line, where other users could see it).
    Create {
        /// Login e-mail address.
        #[arg(long)]
        email: String,
        /// Name shown in the staff area [default: the part of the e-mail before @]
        #[arg(long)]
        name: Option<String>,
        /// A first role: platform_admin, region_editor, municipality_admin, editor, moderator.
        #[arg(long)]
        role: Option<String>,
        /// The municipality of the role (for municipality_admin, editor, moderator).
        #[arg(long)]
        municipality: Option<String>,
    },
    /// Grant a role to an existing account.
    Grant {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// platform_admin, region_editor, municipality_admin, editor, moderator or organiser.
        #[arg(long)]
        role: String,
        /// The municipality of the role.
        #[arg(long)]
        municipality: Option<String>,
    },
    /// Revoke a role.
    Revoke {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// The role.
        #[arg(long)]
        role: String,
        /// The municipality of the role.
        #[arg(long)]
        municipality: Option<String>,
    },
    /// List the accounts and their roles.
    List,
}

/// Subcommands of `regioportal tokens`.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token for one municipality and role; it is printed once.
    Create {
        /// The municipality (slug).
        #[arg(long)]
        municipality: String,
        /// editor, moderator or organiser (a trusted organiser: publishes and changes only its own events).
        #[arg(long)]
        role: String,
        /// What it is for, e.g. "Website Jena".
        #[arg(long)]
        name: String,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The token's id (see `tokens list`).
        id: i64,
    },
    /// List the tokens of a municipality.
    List {
        /// The municipality (slug).
        #[arg(long)]
        municipality: String,
    },
}

fn err(e: impl std::fmt::Display) -> ConfigError {
    ConfigError(e.to_string())
}

fn read_password(email: &str) -> Result<Password, ConfigError> {
    let stdin = std::io::stdin();
    let raw = if stdin.is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {email}: ")).map_err(err)?;
        let again = rpassword::prompt_password("Repeat the password: ").map_err(err)?;
        if first != again {
            return Err(ConfigError("the two passwords differ; nothing was changed".into()));
        }
        first
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(err)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Password::parse(&raw, Some(email)).map_err(|e| ConfigError(format!("password not accepted: {e}")))
}

async fn grant_of(
    store: &Store,
    role: &str,
    municipality: Option<&str>,
) -> Result<(Grant, Option<TenantScope>), ConfigError> {
    let role = Role::parse(role).map_err(err)?;
    let (slug, scope) = match municipality {
        Some(m) => {
            let record = store.municipalities().by_slug(m).await.map_err(err)?.ok_or_else(|| {
                ConfigError(format!("there is no municipality {m:?}; `curl …/api/v1/municipalities` lists the slugs"))
            })?;
            (Some(record.slug().clone()), Some(record.scope().clone()))
        }
        None => (None, None),
    };
    let grant = Grant::new(role, slug).map_err(err)?;
    Ok((grant, scope))
}

/// Runs a `users` subcommand.
pub async fn users(store: &Store, cmd: UsersCommand) -> Result<(), ConfigError> {
    let actor = Actor::cli();
    let staff = store.staff();
    match cmd {
        UsersCommand::Create { email, name, role, municipality } => {
            let email = Email::parse(&email).map_err(err)?;
            // Check the role before asking for a password, so a typo costs nothing.
            let grant = match role.as_deref() {
                Some(r) => Some(grant_of(store, r, municipality.as_deref()).await?),
                None if municipality.is_some() => return Err(ConfigError("--municipality needs --role".into())),
                None => None,
            };
            let password = read_password(email.as_str())?;
            let name = name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default().to_owned());
            let id = staff.create(&email, &name, Some(&password), &actor).await.map_err(err)?;
            if let Some((g, scope)) = &grant {
                staff.grant(id, g, scope.as_ref(), &actor).await.map_err(err)?;
            }
            let roles = grant.map(|(g, _)| g.to_string()).unwrap_or_else(|| "no role".into());
            say!("created {} (id {}) with {roles}", email, id.get());
            if roles.starts_with("platform_admin") || roles.starts_with("municipality_admin") {
                say!("this role requires a second factor: it is set up at the first login under /verwaltung");
            }
            Ok(())
        }
        UsersCommand::Grant { email, role, municipality } => {
            let email = Email::parse(&email).map_err(err)?;
            let user = staff.by_email(&email).await.map_err(err)?.ok_or_else(|| {
                ConfigError(format!("there is no account {email}; create it with `regioportal users create`"))
            })?;
            let (g, scope) = grant_of(store, &role, municipality.as_deref()).await?;
            let new = staff.grant(user.id, &g, scope.as_ref(), &actor).await.map_err(err)?;
            say!("{email}: {g} {}", if new { "granted" } else { "was held already" });
            Ok(())
        }
        UsersCommand::Revoke { email, role, municipality } => {
            let email = Email::parse(&email).map_err(err)?;
            let user = staff
                .by_email(&email)
                .await
                .map_err(err)?
                .ok_or_else(|| ConfigError(format!("there is no account {email}")))?;
            let (g, scope) = grant_of(store, &role, municipality.as_deref()).await?;
            let held = staff.revoke(user.id, &g, scope.as_ref(), &actor).await.map_err(err)?;
            say!("{email}: {g} {}", if held { "revoked" } else { "was not held" });
            Ok(())
        }
        UsersCommand::List => {
            for u in staff.all().await.map_err(err)? {
                let roles: Vec<String> = u.grants.iter().map(ToString::to_string).collect();
                let mfa = if u.totp_enabled { "2FA" } else { "no 2FA" };
                say!("{}\t{}\t{}\t{mfa}\t{}", u.id.get(), u.email, u.display_name, roles.join(","));
            }
            Ok(())
        }
    }
}

/// Runs a `tokens` subcommand.
pub async fn tokens(store: &Store, cmd: TokensCommand) -> Result<(), ConfigError> {
    let actor = Actor::cli();
    match cmd {
        TokensCommand::Create { municipality, role, name } => {
            let (grant, scope) = grant_of(store, &role, Some(&municipality)).await?;
            let scope = scope.ok_or_else(|| ConfigError("a token needs --municipality".into()))?;
            let (id, secret) = store.tokens().create(&scope, grant.role(), &name, &actor).await.map_err(err)?;
            eprintln!("token {id} for {municipality} ({}); it is shown only now:", grant.role());
            say!("{secret}");
            Ok(())
        }
        TokensCommand::Revoke { id } => {
            if store.tokens().revoke_any(id, &actor).await.map_err(err)? {
                say!("token {id} revoked");
                Ok(())
            } else {
                Err(ConfigError(format!(
                    "there is no live token {id}; `regioportal tokens list --municipality SLUG` lists them"
                )))
            }
        }
        TokensCommand::List { municipality } => {
            let m = store
                .municipalities()
                .by_slug(&municipality)
                .await
                .map_err(err)?
                .ok_or_else(|| ConfigError(format!("there is no municipality {municipality:?}")))?;
            for t in store.tokens().of_municipality(m.scope()).await.map_err(err)? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                let used = t.last_used_at.map_or_else(|| "never used".to_owned(), |d| format!("last used {d}"));
                say!("{}\t{}…\t{}\t{}\t{state}\t{used}", t.id, t.prefix, t.role, t.name);
            }
            Ok(())
        }
    }
}
