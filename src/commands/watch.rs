//! `gitsync watch`: the daemon; its parts live in `crate::watch`.

use crate::exit::ExitStatus;
use crate::settings::{RenderSettings, Settings, WatchSettings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    watch: &WatchSettings,
) -> anyhow::Result<ExitStatus> {
    super::runtime()?.block_on(crate::watch::run(settings, render, watch))
}
