//! PNG charts of a run (plotters, bitmap backend): the bonding rate against its target,
//! inflation, supply, the treasury (on a chart of its own, with slashed and burned LPT), stake
//! distribution with the active set's cut-off, and the reward and fee APR by delegator class over
//! a trailing window, slash rounds marked. Text uses an embedded DejaVu Sans Mono (see
//! `assets/DejaVuSansMono.LICENSE`), so no system fonts are needed.

use std::{path::Path, sync::Once};

use anyhow::{Result, anyhow};
use plotters::{
    prelude::*,
    style::{FontStyle, register_font},
};

use alloy::primitives::U256;

use crate::{
    economy::wei_f64,
    metrics::{Row, TRAILING_ROUNDS},
};

static FONT: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");
static REGISTER: Once = Once::new();

const SIZE: (u32, u32) = (1000, 600);
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn font() {
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font checked in with the crate.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

/// One line chart: `series` are (name, points); `y_label` names the unit; `marks` are rounds
/// drawn as vertical lines (slash rounds).
fn lines(
    path: &Path,
    title: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    marks: &[f64],
) -> Result<()> {
    font();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let points = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0).abs() * 0.05).max(y1.abs() * 1e-6).max(1e-12);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc(y_label)
        .draw()
        .map_err(err)?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    let (bottom, top) = (y0 - pad, y1 + pad);
    for (i, &x) in marks.iter().enumerate() {
        let mark = chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, bottom), (x, top)],
                RED.mix(0.5).stroke_width(1),
            )))
            .map_err(err)?;
        if i == 0 {
            mark.label("slash round")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.mix(0.5)));
        }
    }
    if series.len() > 1 || !marks.is_empty() {
        legend(&mut chart)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// The series' legend, in a framed box.
fn legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, CT>,
) -> Result<()> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

fn series(rows: &[Row], f: impl Fn(&Row) -> f64) -> Vec<(f64, f64)> {
    rows.iter().map(|r| (r.round as f64, f(r))).collect()
}

/// Writes `bonding_rate.png`, `inflation.png`, `supply.png`, `treasury.png`,
/// `stake_distribution.png`, `apr.png` and `fee_apr.png` into `dir`.
pub fn draw(dir: &Path, rows: &[Row], classes: &[String]) -> Result<()> {
    let lpt = |v| wei_f64(v) / 1e18;
    let pct = |ppb| wei_f64(ppb) / 1e7;
    lines(
        &dir.join("bonding_rate.png"),
        "Bonding rate and its target (inflation rises below the target)",
        "percent of supply bonded",
        &[
            (
                "bonding rate".into(),
                series(rows, |r| pct(r.bonding_rate_ppb)),
            ),
            (
                "target".into(),
                series(rows, |r| pct(r.target_bonding_rate_ppb)),
            ),
        ],
        &[],
    )?;
    lines(
        &dir.join("inflation.png"),
        "Inflation per round",
        "percent per round",
        &[("inflation".into(), series(rows, |r| pct(r.inflation_ppb)))],
        &[],
    )?;
    lines(
        &dir.join("supply.png"),
        "Supply",
        "LPT",
        &[
            ("total supply".into(), series(rows, |r| lpt(r.total_supply))),
            ("bonded".into(), series(rows, |r| lpt(r.total_bonded))),
        ],
        &[],
    )?;
    let mut slashed = U256::ZERO;
    let slashed_cum: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            slashed += r.stats.slashed;
            (r.round as f64, lpt(slashed))
        })
        .collect();
    let slash_rounds: Vec<f64> = rows
        .iter()
        .filter(|r| r.stats.slashes > 0)
        .map(|r| r.round as f64)
        .collect();
    lines(
        &dir.join("treasury.png"),
        "Treasury, slashed and burned LPT",
        "LPT",
        &[
            ("treasury".into(), series(rows, |r| lpt(r.treasury))),
            ("slashed (cumulative)".into(), slashed_cum),
            (
                "burned (cumulative)".into(),
                series(rows, |r| lpt(r.burned_cum)),
            ),
        ],
        &[],
    )?;
    let mut names: Vec<String> = classes.to_vec();
    names.push("orchestrators".into());
    let by_class = |of: &dyn Fn(&Row) -> Option<&Vec<f64>>, scale: f64| {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let points = rows
                    .iter()
                    .filter_map(|r| of(r).map(|a| (r.round as f64, a[i] * scale)))
                    .collect();
                (name.clone(), points)
            })
            .collect::<Vec<_>>()
    };
    lines(
        &dir.join("apr.png"),
        &format!("Reward APR by class, trailing {TRAILING_ROUNDS} rounds"),
        "percent per year",
        &by_class(&|r| r.apr_trailing.as_ref(), 100.0),
        &slash_rounds,
    )?;
    lines(
        &dir.join("fee_apr.png"),
        &format!("Fee APR by class, trailing {TRAILING_ROUNDS} rounds"),
        "ETH per LPT staked per year",
        &by_class(&|r| r.fee_apr_trailing.as_ref(), 1.0),
        &[],
    )?;
    stake_distribution(&dir.join("stake_distribution.png"), rows)
}

/// The last observed round's pools, largest first, as bars.
fn stake_distribution(path: &Path, rows: &[Row]) -> Result<()> {
    font();
    let Some(last) = rows.iter().rev().find(|r| !r.pools.is_empty()) else {
        return Ok(());
    };
    let stakes: Vec<f64> = last.pools.iter().map(|p| wei_f64(*p) / 1e18).collect();
    let max = stakes.iter().copied().fold(0.0, f64::max).max(1.0);
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Stake by orchestrator, round {}", last.round),
            ("sans-serif", 24),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(0u32..stakes.len() as u32, 0.0..max * 1.05)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("orchestrator rank")
        .y_desc("delegated stake (LPT)")
        .draw()
        .map_err(err)?;
    // Pools past the active set's cut-off earn nothing: grey, behind a red line.
    let cut = u32::try_from(last.active_set_size).unwrap_or(u32::MAX);
    chart
        .draw_series(stakes.iter().enumerate().map(|(i, s)| {
            let color = if (i as u32) < cut {
                PALETTE[0].filled()
            } else {
                RGBColor(170, 170, 170).filled()
            };
            Rectangle::new([(i as u32, 0.0), (i as u32 + 1, *s)], color)
        }))
        .map_err(err)?;
    if (cut as usize) < stakes.len() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(cut, 0.0), (cut, max * 1.05)],
                RED.stroke_width(2),
            )))
            .map_err(err)?
            .label(format!("active set cut-off ({cut} slots)"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        legend(&mut chart)?;
    }
    root.present().map_err(err)?;
    Ok(())
}
