/** The report page's stylesheet (inline: the page is one self-contained file). */
export const STYLE = `
:root{--pass:#1a7f37;--fail:#cf222e;--inc:#9a6700;--waived:#8250df;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header,main,#filters,#summary{padding:0 24px}header{padding-top:16px;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px}h4{margin:16px 0 4px;font-size:14px}
.meta{color:var(--muted);margin:0 0 12px}.interrupted{margin:0 0 12px;padding:6px 10px;border-radius:6px;background:#fff8c5;border:1px solid var(--inc);font-weight:600}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;border:1px solid}
.v-PASS .badge,.badge.v-PASS{color:var(--pass);border-color:var(--pass)}.badge.v-FAIL{color:#fff;background:var(--fail);border-color:var(--fail)}
.badge.v-INCONCLUSIVE{color:var(--inc);border-color:var(--inc);background:#fff8c5}.badge.v-WAIVED{color:var(--waived);border-color:var(--waived)}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}.card.fail b{color:var(--fail)}.card.pass b{color:var(--pass)}.card.inc b{color:var(--inc)}.card.waived b{color:var(--waived)}
table{border-collapse:collapse}table.criteria,table.plain,table.summary{width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}thead th{background:var(--soft);position:sticky;top:0}
tr.row.v-FAIL{background:#ffebe9}tr.row.v-INCONCLUSIVE{background:#fff8c5}tr.row.v-WAIVED{background:#fbefff}
td.reason{max-width:640px;overflow-wrap:anywhere}.details td{background:var(--soft)}table.checks{width:100%;margin:6px 0;background:#fff}
tr.evidence td{border-bottom:2px solid var(--line)}.obs{margin:2px 0 6px}.waiver{color:var(--waived)}
button.toggle{font:inherit;font-weight:600;background:none;border:0;padding:0;color:#0969da;cursor:pointer;text-align:left}
button.toggle::before{content:"▸ "}button.toggle[aria-expanded=true]::before{content:"▾ "}
#filters{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding-top:8px;padding-bottom:8px;display:flex;gap:16px;flex-wrap:wrap;align-items:center}
#filters fieldset{border:0;margin:0;padding:0;display:flex;gap:8px;align-items:center}#filters legend{float:left;font-weight:600;margin-right:4px}
#shown{color:var(--muted)}.scroll{overflow:auto;max-width:100%}
figure{margin:12px 0}figcaption .legend,.legend{color:var(--muted);margin:2px 0;font-size:12px}
table.grid{border-collapse:separate;border-spacing:2px}table.grid th.col{vertical-align:bottom;height:150px;padding:2px;background:none;position:static}
table.grid th.col span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:500;font-size:12px}
table.grid th.rowlabel{white-space:nowrap;font-weight:500;font-size:12px;text-align:right;background:none}
table.grid td.cell{min-width:58px;height:40px;text-align:center;vertical-align:middle;border:2px solid transparent;border-radius:4px;font-size:12px;padding:2px 4px}
td.cell{background:#eaeef2}td.cell.empty{background:#f6f8fa}td.cell.obs-allowed{background:#dafbe1}td.cell.obs-denied{background:#ddf4ff}td.cell.obs-error{background:#fff8c5}
td.cell.wrong{background:var(--fail);color:#fff;font-weight:700}td.cell.sim{border:2px dashed #8250df}
td.cell span{display:block;line-height:1.2}td.cell .x{font-size:10px;opacity:.8}td.cell .s{font-size:10px;font-weight:700;color:#8250df}td.cell.wrong .s{color:#fff}
pre{background:var(--soft);padding:8px;overflow:auto;white-space:pre-wrap}footer{color:var(--muted);padding:24px}
`;

/** The report page's filters and expand/collapse (inline, no dependencies). */
export const SCRIPT = `
(function(){
  var boxes=[].slice.call(document.querySelectorAll('#filters input[name=verdict]'));
  var scen=document.getElementById('f-scenario'),probe=document.getElementById('f-probe'),text=document.getElementById('f-text');
  var crits=[].slice.call(document.querySelectorAll('tbody.crit')),shownEl=document.getElementById('shown');
  function apply(){
    var on={};boxes.forEach(function(b){on[b.value]=b.checked;});
    var s=scen.value,p=probe.value,t=text.value.trim().toLowerCase(),n=0;
    crits.forEach(function(c){
      var ok=on[c.dataset.verdict]&&(!s||c.dataset.scenario===s)&&(!p||c.dataset.probe===p)&&(!t||c.dataset.text.indexOf(t)>=0);
      c.hidden=!ok;if(ok)n++;
    });
    [].forEach.call(document.querySelectorAll('section.scenario'),function(sec){sec.hidden=!!s&&sec.dataset.scenario!==s;});
    shownEl.textContent=n+' of '+crits.length+' criteria shown';
  }
  boxes.concat([scen,probe]).forEach(function(x){x.addEventListener('change',apply);});
  text.addEventListener('input',apply);
  document.addEventListener('click',function(ev){
    var b=ev.target.closest&&ev.target.closest('button.toggle');if(!b)return;
    var d=document.getElementById(b.getAttribute('aria-controls'));var open=b.getAttribute('aria-expanded')!=='true';
    b.setAttribute('aria-expanded',String(open));d.hidden=!open;
  });
  document.getElementById('f-expand').addEventListener('click',function(){
    [].forEach.call(document.querySelectorAll('tbody.crit:not([hidden]) button.toggle'),function(b){b.setAttribute('aria-expanded','true');document.getElementById(b.getAttribute('aria-controls')).hidden=false;});
  });
  apply();
})();
`;
