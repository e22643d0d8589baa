// The source viewer drawer: opens when a cited row is clicked anywhere in the conversation, shows
// `props.opening` ("正在打开原件…") at once, then the original from the server (or `props.failed`),
// scrolled to the marked row; closes with its button or Escape.  Runs as gr.HTML's js_on_load, where `element`,
// `props` and `server` are given.
let asked = 0;

document.addEventListener('bqa-cite', async (event) => {
  const mine = ++asked;
  props.value = props.opening;
  const shown = await server.view_source(event.detail).catch(() => props.failed);
  if (mine !== asked) return;  // a later click won
  props.value = shown;
  requestAnimationFrame(() => {
    const body = element.querySelector('.bqa-viewer-body');
    const hit = element.querySelector('.bqa-mark, .bqa-hit');
    if (!body || !hit) return;
    const offset = hit.getBoundingClientRect().top - body.getBoundingClientRect().top;
    body.scrollTop += offset - body.clientHeight / 3;
  });
});
element.addEventListener('click', (event) => {
  if (event.target.closest('[data-close]')) props.value = '';
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && props.value) props.value = '';
});
