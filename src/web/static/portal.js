// The portal works without this file; it only says "too large" / "too many" before uploading.
const input = document.querySelector('input[type="file"][data-max-bytes]');
if (input) {
  const maxBytes = Number(input.dataset.maxBytes);
  const maxCount = Number(input.dataset.maxCount);
  const hint = document.getElementById('files-hint');
  const base = hint ? hint.textContent : '';
  input.addEventListener('change', () => {
    const files = Array.from(input.files || []);
    let problem = '';
    if (files.length > maxCount) problem = `${files.length} > ${maxCount}`;
    const big = files.find((f) => f.size > maxBytes);
    if (big) problem = `"${big.name}": ${Math.ceil(big.size / 1048576)} MB`;
    input.setCustomValidity(problem ? `${problem}. ${base}` : '');
    if (hint) {
      hint.textContent = problem ? `${problem}. ${base}` : base;
      hint.classList.toggle('p-error', Boolean(problem));
    }
  });
}
