import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Time to first render of one line chart in headless Debian Chromium: uPlot vs Chart.js vs ECharts.
// Needs the candidates: npm install --no-save uplot@1.6.32 echarts@6.1.0 (chart.js is a dependency).
const nm = new URL('../node_modules/', import.meta.url).pathname;
const N = 2880; // a day and a half of per-minute points, the most the report's traffic chart draws
const tmp = mkdtempSync(join(tmpdir(), 'chart-bench-'));
const data = `const N=${N}; const xs=[...Array(N)].map((_,i)=>1.7e12+i*60000); const ys=xs.map((_,i)=>Math.round(500+400*Math.sin(i/90)+Math.random()*100));`;
const libs = {
  uplot: {
    files: [nm + 'uplot/dist/uPlot.iife.min.js'],
    css: readFileSync(nm + 'uplot/dist/uPlot.min.css', 'utf8'),
    code: `new uPlot({width:1200,height:260,series:[{},{label:'hits',stroke:'blue'}]},[xs.map(x=>x/1000),ys],document.getElementById('c'));`,
  },
  chartjs: {
    files: [nm + 'chart.js/dist/chart.umd.min.js'],
    css: '',
    code: `Chart.defaults.animation=false; const cv=document.createElement('canvas'); cv.width=1200; cv.height=260; document.getElementById('c').append(cv); new Chart(cv,{type:'line',data:{datasets:[{data:xs.map((x,i)=>({x,y:ys[i]})),pointRadius:0}]},options:{responsive:false,parsing:false,normalized:true,scales:{x:{type:'linear'}}}});`,
  },
  echarts: {
    files: [nm + 'echarts/dist/echarts.min.js'],
    css: '',
    code: `const d=document.getElementById('c'); d.style.width='1200px'; d.style.height='260px'; const e=echarts.init(d,null,{renderer:'canvas'}); e.setOption({animation:false,xAxis:{type:'time'},yAxis:{},series:[{type:'line',showSymbol:false,data:xs.map((x,i)=>[x,ys[i]])}]});`,
  },
};
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
for (const [name, lib] of Object.entries(libs)) {
  const html = `<!doctype html><style>${lib.css}</style><div id=c></div>${lib.files.map((f) => `<script>${readFileSync(f, 'utf8')}</script>`).join('')}<script>${data} const t0=performance.now(); ${lib.code} document.title=String(performance.now()-t0);</script>`;
  writeFileSync(`${tmp}/cb-${name}.html`, html);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage();
    await page.goto('file://' + tmp + '/cb-' + name + '.html');
    times.push(Number(await page.title()));
    await page.close();
  }
  times.sort((a, b) => a - b);
  console.log(
    name,
    'dist',
    (lib.files.reduce((a, f) => a + readFileSync(f).length, 0) / 1024).toFixed(0),
    'KB; first render of',
    N,
    'points: median',
    times[2].toFixed(1),
    'ms (min',
    times[0].toFixed(1),
    'max',
    times[4].toFixed(1),
    ')',
  );
}
await browser.close();
