//! The review page, rendered on the server: plain HTML forms that work without JavaScript,
//! and a few lines of inline script for the keyboard (1–9 pick, n none, j/k next/previous).

use std::fmt::Write as _;

use super::desk::Shown;
use super::queue::Group;
use crate::engine::Agreement;
use crate::html::esc;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}\
h1{font-size:1.3rem;margin:0 0 .3rem}.meta{color:#555;margin:.2rem 0}\
.posting{background:#f4f6f8;padding:.6rem .9rem;border-radius:6px;margin:.8rem 0}\
.cands{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.8rem}\
.cand{border:1px solid #ccd;border-radius:6px;padding:.6rem .8rem}\
.cand h2{font-size:1rem;margin:0 0 .3rem}.num{font-family:monospace;color:#555}\
ul.ev{list-style:none;padding:0;margin:.4rem 0}ul.ev li{padding:1px 0}\
.for{color:#176f2c}.against{color:#b3261e}.unknown{color:#777}\
kbd{border:1px solid #aaa;border-radius:3px;padding:0 .3rem;background:#fff;font-size:.85em}\
button{font-size:1rem;padding:.3rem .8rem;cursor:pointer}\
nav{margin:1rem 0;display:flex;gap:1rem;align-items:center}.error{color:#b3261e}";

const KEYS: &str = "document.addEventListener('keydown',function(e){\
if(e.ctrlKey||e.metaKey||e.altKey)return;\
var f=document.querySelector('form[data-key=\"'+e.key+'\"]');\
if(f){e.preventDefault();f.submit();return;}\
var a=document.querySelector('a[data-key=\"'+e.key+'\"]');\
if(a){e.preventDefault();location.href=a.href;}});";

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}\
         <script>{KEYS}</script></body></html>",
        esc(title)
    )
}

/// The page for the group at `pos` (0-based) of a queue of `total` groups.
pub fn group(pos: usize, total: usize, g: &Group, shown: &[Shown], error: Option<&str>) -> String {
    let mut b = String::new();
    let place = if g.key.place.is_empty() {
        "(no place stated)"
    } else {
        &g.key.place
    };
    let _ = write!(
        b,
        "<h1>{} <span class=\"meta\">— {}</span></h1>\
         <p class=\"meta\">Group {} of {total}: <strong id=\"postings\">{}</strong> postings \
         ({} rows) from {} partner(s) over {} run(s); {}</p>",
        esc(&g.key.name),
        esc(place),
        pos + 1,
        g.postings,
        g.rows,
        g.partners.len(),
        g.runs.len(),
        esc(&g
            .reasons
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")),
    );
    if let Some(e) = error {
        let _ = write!(b, "<p class=\"error\">{}</p>", esc(e));
    }
    let p = &g.example;
    let _ = write!(
        b,
        "<div class=\"posting\"><strong>Written as:</strong> {}<br>\
         <strong>Address:</strong> {} <strong>Phone:</strong> {} <strong>Web:</strong> {}\
         <br><strong>Work location:</strong> {}</div>",
        esc(&g.spellings.iter().cloned().collect::<Vec<_>>().join(" / ")),
        esc(or_dash(&p.company_address)),
        esc(or_dash(&p.company_phone)),
        esc(or_dash(&p.company_url)),
        esc(or_dash(&p.work_location)),
    );
    b.push_str("<div class=\"cands\">");
    for (i, s) in shown.iter().enumerate() {
        candidate(&mut b, i + 1, g, s);
    }
    if shown.is_empty() {
        b.push_str("<p>No company in the master comes near this name.</p>");
    }
    b.push_str("</div><nav>");
    decide_form(&mut b, g, "none", "n", "Not in the master");
    if pos > 0 {
        let _ = write!(
            b,
            "<a href=\"/group/{}\" data-key=\"k\"><kbd>k</kbd> previous</a>",
            pos - 1
        );
    }
    if pos + 1 < total {
        let _ = write!(
            b,
            "<a href=\"/group/{}\" data-key=\"j\"><kbd>j</kbd> next</a>",
            pos + 1
        );
    }
    b.push_str(
        "<span class=\"meta\">Keys: <kbd>1</kbd>–<kbd>9</kbd> pick a candidate, \
         <kbd>n</kbd> not in the master, <kbd>j</kbd>/<kbd>k</kbd> next/previous.</span></nav>",
    );
    shell(&format!("Review: {}", g.key.name), &b)
}

/// The page shown when no group is left.
pub fn done(decided: usize) -> String {
    shell(
        "Review: done",
        &format!(
            "<h1 id=\"done\">Nothing left to review</h1>\
             <p class=\"meta\">{decided} decision(s) recorded in this session. The next match \
             run applies them.</p>"
        ),
    )
}

fn candidate(b: &mut String, n: usize, g: &Group, s: &Shown) {
    let c = &s.candidate;
    let _ = write!(b, "<div class=\"cand\" id=\"cand-{n}\">");
    match &s.company {
        Some(co) => {
            let _ = write!(
                b,
                "<h2><kbd>{n}</kbd> {}</h2><div class=\"num\">{}</div>\
                 <div>{}{} {}</div><div>{} {}</div>",
                esc(&co.name),
                co.corporate_number,
                esc(&co.prefecture),
                esc(&co.city),
                esc(&co.street),
                esc(or_dash(&co.phone)),
                esc(&co.website),
            );
        }
        None => {
            let _ = write!(
                b,
                "<h2><kbd>{n}</kbd> (no longer in the master)</h2><div class=\"num\">{}</div>",
                c.corporate_number
            );
        }
    }
    b.push_str("<ul class=\"ev\">");
    let sim = if c.name_similarity >= 0.9 {
        "for"
    } else {
        "unknown"
    };
    let _ = write!(
        b,
        "<li class=\"{sim}\">name: {} ({:.2})</li>",
        c.name_hit, c.name_similarity
    );
    evidence(b, "place", c.place, "");
    evidence(b, "street / postal code", c.street, "");
    evidence(b, "phone", c.phone, &shared(c.phone_shared_by));
    evidence(b, "web domain", c.domain, &shared(c.domain_shared_by));
    evidence(b, "legal form", c.legal_form, "");
    // The engine weighs a name link only in the place the posting states; elsewhere its
    // figure would read as support it does not give.
    if c.place == Agreement::Differs {
        b.push_str("<li class=\"meta\">registered elsewhere: no link on name and place</li></ul>");
    } else {
        let _ = write!(
            b,
            "<li class=\"meta\">engine's probability: {:.3}</li></ul>",
            c.probability
        );
    }
    if s.company.is_some() {
        decide_form(
            b,
            g,
            &c.corporate_number.to_string(),
            &n.to_string(),
            "This company",
        );
    }
    b.push_str("</div>");
}

fn shared(n: usize) -> String {
    if n > 1 {
        format!(" (shared by {n} companies)")
    } else {
        String::new()
    }
}

fn evidence(b: &mut String, what: &str, a: Agreement, note: &str) {
    let (class, word) = match a {
        Agreement::Agrees => ("for", "agrees"),
        Agreement::Differs => ("against", "differs"),
        Agreement::Unknown => ("unknown", "not stated"),
    };
    let _ = write!(b, "<li class=\"{class}\">{what}: {word}{}</li>", esc(note));
}

fn decide_form(b: &mut String, g: &Group, choice: &str, key: &str, label: &str) {
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/decide\" data-key=\"{key}\">\
         <input type=\"hidden\" name=\"name\" value=\"{}\">\
         <input type=\"hidden\" name=\"place\" value=\"{}\">\
         <input type=\"hidden\" name=\"choice\" value=\"{}\">\
         <button type=\"submit\"><kbd>{key}</kbd> {label}</button></form>",
        esc(&g.key.name),
        esc(&g.key.place),
        esc(choice),
    );
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_partners_cannot_make_markup() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
