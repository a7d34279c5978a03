//! docs/checks/ID.md is generated from each check's doc comment; this test fails when a page is
//! out of date or orphaned. Regenerate with `ALBAUDIT_UPDATE_DOCS=1 cargo test --test docs`.

use std::path::Path;

use albaudit::app::doc_page;
use albaudit::checks::ALL;

#[test]
fn check_pages_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks");
    let update = std::env::var_os("ALBAUDIT_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for check in ALL {
        let meta = check.meta();
        let path = dir.join(format!("{}.md", meta.id));
        let page = doc_page(meta);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &page).unwrap();
            } else {
                stale.push(meta.id);
            }
        }
    }
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let id = name.trim_end_matches(".md");
        if !ALL.iter().any(|c| c.meta().id == id) {
            orphans.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale docs for {stale:?}: run ALBAUDIT_UPDATE_DOCS=1 cargo test --test docs"
    );
    assert!(
        orphans.is_empty(),
        "docs for checks that do not exist: {orphans:?}"
    );
}
