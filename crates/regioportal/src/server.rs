//! Starting the server: bind, open and migrate the database, seed the demo, serve, drain.

use std::net::SocketAddr;
use std::time::Duration;

use regioportal_storage::Store;
use regioportal_web::{AppState, WebConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::ConfigError;

/// How long shutdown waits for requests in flight before it gives up on them.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Binds the listen address, explaining the usual failures.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ConfigError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => "the port is already in use; stop the other program or choose another port with --listen / REGIOPORTAL_LISTEN".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied; ports below 1024 need privileges, choose e.g. 8080".to_owned(),
            std::io::ErrorKind::AddrNotAvailable => "this machine has no such address; use 127.0.0.1 or 0.0.0.0".to_owned(),
            _ => e.to_string(),
        };
        ConfigError(format!("cannot listen on {addr}: {hint}"))
    })
}

/// A running server.
pub struct Running {
    /// The address it listens on (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// The store it uses.
    pub store: Store,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Asks the server to stop and waits until requests in flight are answered.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match tokio::time::timeout(DRAIN_TIMEOUT, &mut self.handle).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(std::io::Error::other(e)),
            Err(_) => {
                self.handle.abort();
                Err(std::io::Error::other("requests still in flight after 30 s were cut off"))
            }
        }
    }

    /// Waits until the server ends by itself (after a signal).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let _keep = self.shutdown.take();
        (&mut self.handle).await.map_err(std::io::Error::other)?
    }
}

/// Serves on `listener` until [`Running::stop`] or, when `signals` is set, SIGTERM/Ctrl-C.
pub fn start(listener: TcpListener, store: Store, config: WebConfig, signals: bool) -> Result<Running, ConfigError> {
    let addr = listener.local_addr().map_err(|e| ConfigError(format!("cannot read the listen address: {e}")))?;
    let state = AppState::new(store.clone(), config).map_err(ConfigError)?;
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async move {
        if signals {
            tokio::select! {
                _ = rx => {},
                _ = terminate() => tracing::info!("shutting down: finishing requests in flight"),
            }
        } else {
            let _ = rx.await;
        }
    };
    let handle = tokio::spawn(regioportal_web::serve(listener, state, shutdown));
    Ok(Running { addr, store, shutdown: Some(tx), handle })
}

async fn terminate() {
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
        _ = ctrl_c => {},
        _ = term => {},
    }
}
