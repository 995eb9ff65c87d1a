//! Looking at a picture the way a reader will: headless Chromium opens it and saves a PNG.
//! The browser test uses this to check the pictures really render, and the screenshots it
//! keeps under `store/screenshots/` let a person look without a browser at hand.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use wait_timeout::ChildExt;

/// Where Debian's `chromium` package puts the browser (`ci/install-chromium.sh`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one screenshot may take before the browser is killed.
const TIMEOUT: Duration = Duration::from_secs(90);

/// The browser, if it is installed.
pub fn chromium() -> Option<PathBuf> {
    let path = Path::new(CHROMIUM);
    path.exists().then(|| path.to_path_buf())
}

/// Opens `page` (a file) in headless Chromium with a window of `width` × `height` px and
/// saves what it shows to `png`. The browser runs with a fresh profile, no network
/// services of its own, and a time limit.
pub fn take(page: &Path, png: &Path, (width, height): (u32, u32)) -> Result<()> {
    let browser = chromium().with_context(|| {
        format!("{CHROMIUM} is missing: install it with `bash ci/install-chromium.sh`")
    })?;
    let page = fs::canonicalize(page).with_context(|| format!("no page at {}", page.display()))?;
    if let Some(dir) = png.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let png = std::path::absolute(png)?;
    let _ = fs::remove_file(&png);
    // A fresh profile, removed when this returns.
    let profile = tempfile::Builder::new()
        .prefix("glomers-chromium-")
        .tempdir()?;
    // Chromium talks a lot on stderr; a file cannot fill up and block it like a pipe can.
    let log = profile.path().join("chromium.log");
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log)?)
        .spawn()
        .with_context(|| format!("starting {}", browser.display()))?;
    let Some(status) = child.wait_timeout(TIMEOUT)? else {
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "chromium took longer than {TIMEOUT:?} to screenshot {}",
            page.display()
        );
    };
    let stderr = fs::read_to_string(&log).unwrap_or_default();
    if !status.success() || !png.exists() {
        bail!(
            "chromium ({status}) wrote no screenshot of {}:\n{}",
            page.display(),
            stderr.lines().rev().take(10).collect::<Vec<_>>().join("\n")
        );
    }
    Ok(())
}
