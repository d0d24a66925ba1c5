//! Where the registry document lives: a Secrets Manager secret (production) or a local JSON
//! file (the embedded default). Both hold the same document.

use std::path::PathBuf;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;

use super::model::RegistryDoc;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("reading partner file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("partner registry is not valid JSON: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("secrets manager ({secret_id}): {message}")]
    SecretsManager { secret_id: String, message: String },
}

#[derive(Debug, Clone)]
pub enum Backend {
    File(PathBuf),
    SecretsManager { client: Client, secret_id: String },
}

impl Backend {
    pub async fn secrets_manager(secret_id: String) -> Self {
        let config = aws_config::load_from_env().await;
        Self::SecretsManager {
            client: Client::new(&config),
            secret_id,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::File(p) => format!("file {}", p.display()),
            Self::SecretsManager { secret_id, .. } => format!("secret {secret_id}"),
        }
    }

    /// The document, or `None` when nothing has been written yet.
    pub async fn load(&self) -> Result<Option<RegistryDoc>, BackendError> {
        match self {
            Self::File(path) => match tokio::fs::read(path).await {
                Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(BackendError::File {
                    path: path.clone(),
                    source,
                }),
            },
            Self::SecretsManager { client, secret_id } => {
                let out = client.get_secret_value().secret_id(secret_id).send().await;
                match out {
                    Ok(v) => {
                        let text = v.secret_string().unwrap_or("{}");
                        Ok(Some(serde_json::from_str(text)?))
                    }
                    Err(e)
                        if matches!(
                            e.as_service_error(),
                            Some(GetSecretValueError::ResourceNotFoundException(_))
                        ) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(sm_error(secret_id, e)),
                }
            }
        }
    }

    pub async fn save(&self, doc: &RegistryDoc) -> Result<(), BackendError> {
        let json = serde_json::to_string_pretty(doc)?;
        match self {
            Self::File(path) => write_private_file(path, json.as_bytes()).await,
            Self::SecretsManager { client, secret_id } => {
                let exists = self.load().await?.is_some();
                if exists {
                    client
                        .put_secret_value()
                        .secret_id(secret_id)
                        .secret_string(json)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sm_error(secret_id, e))
                } else {
                    client
                        .create_secret()
                        .name(secret_id)
                        .description("ingest-api partner registry and token signing keys")
                        .secret_string(json)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| sm_error(secret_id, e))
                }
            }
        }
    }
}

fn sm_error<E: std::error::Error>(secret_id: &str, e: E) -> BackendError {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    BackendError::SecretsManager {
        secret_id: secret_id.to_owned(),
        message,
    }
}

/// Written to a temporary file then renamed, readable by the owner only: it holds signing keys.
async fn write_private_file(path: &PathBuf, bytes: &[u8]) -> Result<(), BackendError> {
    let err = |source| BackendError::File {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir).await.map_err(err)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&tmp).await.map_err(err)?;
    tokio::io::AsyncWriteExt::write_all(&mut file, bytes)
        .await
        .map_err(err)?;
    file.sync_all().await.map_err(err)?;
    tokio::fs::rename(&tmp, path).await.map_err(err)
}
