//! Preload scripts: Electron's `setPreloads`/`getPreloads` and their successor
//! `registerPreloadScript` (v35). There is no renderer here: the session keeps the validated
//! list for the embedding app or webview integration that runs them.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Where a preload script runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreloadKind {
    /// In every frame (`frame`).
    Frame,
    /// In service workers (`service-worker`).
    ServiceWorker,
}

/// A registered preload script: Electron's `PreloadScript`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreloadScript {
    /// Where it runs.
    pub kind: PreloadKind,
    /// Its id: the one given, or a random UUID.
    pub id: String,
    /// Its absolute path.
    pub file_path: PathBuf,
}

/// The session's preload scripts, in registration order.
#[derive(Debug, Default)]
pub(crate) struct Preloads {
    scripts: Vec<PreloadScript>,
}

impl Preloads {
    /// `setPreloads`: replaces the frame scripts (registered service-worker scripts stay).
    pub(crate) fn set_frame_scripts(&mut self, paths: &[PathBuf]) -> Result<(), Error> {
        for path in paths {
            absolute(path)?;
        }
        self.scripts.retain(|s| s.kind != PreloadKind::Frame);
        for path in paths {
            self.scripts.push(PreloadScript {
                kind: PreloadKind::Frame,
                id: uuid::Uuid::new_v4().to_string(),
                file_path: path.clone(),
            });
        }
        Ok(())
    }

    /// `getPreloads`: the frame scripts' paths.
    pub(crate) fn frame_paths(&self) -> Vec<PathBuf> {
        self.scripts
            .iter()
            .filter(|s| s.kind == PreloadKind::Frame)
            .map(|s| s.file_path.clone())
            .collect()
    }

    pub(crate) fn register(
        &mut self,
        kind: PreloadKind,
        id: Option<&str>,
        file_path: &Path,
    ) -> Result<String, Error> {
        absolute(file_path)?;
        let id = match id {
            Some(id) if self.scripts.iter().any(|s| s.id == id) => {
                return Err(Error::DuplicatePreloadId(id.to_owned()));
            }
            Some(id) => id.to_owned(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        self.scripts.push(PreloadScript {
            kind,
            id: id.clone(),
            file_path: file_path.to_owned(),
        });
        Ok(id)
    }

    pub(crate) fn unregister(&mut self, id: &str) -> Result<(), Error> {
        let before = self.scripts.len();
        self.scripts.retain(|s| s.id != id);
        if self.scripts.len() == before {
            return Err(Error::UnknownPreloadId(id.to_owned()));
        }
        Ok(())
    }

    pub(crate) fn scripts(&self) -> Vec<PreloadScript> {
        self.scripts.clone()
    }
}

fn absolute(path: &Path) -> Result<(), Error> {
    if path.is_absolute() {
        Ok(())
    } else {
        Err(Error::RelativePath(path.to_owned()))
    }
}
