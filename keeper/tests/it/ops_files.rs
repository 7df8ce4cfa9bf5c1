//! The shipped operations files: `ops/prometheus/alerts.yml` parses as YAML with every rule's
//! expression valid PromQL, and every `keeper_*` metric it or `ops/grafana/keeper.json` names
//! is one the keeper exports.

use std::{collections::BTreeSet, sync::Arc};

use keeper::{failover::EndpointStats, metrics::Metrics};

const ALERTS: &str = include_str!("../../../ops/prometheus/alerts.yml");
const DASHBOARD: &str = include_str!("../../../ops/grafana/keeper.json");

/// Every `keeper_…` name in `expr`.
fn keeper_metrics(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = expr;
    while let Some(at) = rest.find("keeper_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        // A label value or part of a longer word is not a metric.
        let before = rest[..at].chars().last();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '"') {
            out.insert(tail[..end].to_string());
        }
        rest = &tail[end..];
    }
    out
}

/// The names the keeper's `/metrics` declares (`# TYPE name kind`).
fn exported() -> BTreeSet<String> {
    let metrics = Metrics::default();
    metrics.watch_endpoints(vec![Arc::new(EndpointStats::new("http://x:1".into()))]);
    metrics
        .render()
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn check(exprs: &[String], what: &str) {
    let exported = exported();
    assert!(!exprs.is_empty(), "no expressions in {what}");
    for expr in exprs {
        if let Err(e) = promql_parser::parser::parse(expr) {
            panic!("{what}: not PromQL: {expr}: {e}");
        }
        let named = keeper_metrics(expr);
        assert!(
            !named.is_empty() || expr.contains("up{"),
            "{what}: {expr} names no keeper metric"
        );
        for name in named {
            assert!(
                exported.contains(&name),
                "{what}: {expr} names {name}, which the keeper does not export"
            );
        }
    }
}

#[test]
fn alert_rules_parse_and_name_only_exported_metrics() {
    let doc: serde_norway::Value = serde_norway::from_str(ALERTS).expect("alerts.yml is YAML");
    let mut exprs = Vec::new();
    let mut names = BTreeSet::new();
    for group in doc["groups"].as_sequence().expect("groups") {
        for rule in group["rules"].as_sequence().expect("rules") {
            let name = rule["alert"].as_str().expect("every rule is an alert");
            assert!(names.insert(name.to_string()), "{name} twice");
            assert!(
                matches!(
                    rule["labels"]["severity"].as_str(),
                    Some("warning" | "critical")
                ),
                "{name}: severity"
            );
            assert!(
                rule["annotations"]["summary"].as_str().is_some(),
                "{name}: summary"
            );
            exprs.push(rule["expr"].as_str().expect("expr").to_string());
        }
    }
    check(&exprs, "alerts.yml");
    // Each alert has a runbook entry.
    let readme = include_str!("../../../README.md");
    for name in names {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README runbook lacks {name}"
        );
    }
}

#[test]
fn the_dashboard_names_only_exported_metrics() {
    let doc: serde_json::Value = serde_json::from_str(DASHBOARD).expect("keeper.json is JSON");
    let exprs: Vec<String> = doc["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().expect("expr").to_string())
        .collect();
    check(&exprs, "keeper.json");
}

#[test]
fn the_name_scan_finds_metrics_and_skips_label_values() {
    let names =
        keeper_metrics("a - on(instance) group_right keeper_x_total{job=\"keeper_y\"} > keeper_z");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["keeper_x_total", "keeper_z"]
    );
    // The parser does reject what Prometheus would.
    assert!(promql_parser::parser::parse("keeper_up ==").is_err());
    assert!(promql_parser::parser::parse("rate(keeper_up)").is_err());
}
