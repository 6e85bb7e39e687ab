# Sourced by the device scripts (gpu_check.sh, gpu_train_timed.sh): `use_wheels LOG` installs a
# folder of .whl files ($WHEELS, else .whl/ or wheels/ in the checkout), offline, into $SITE
# (default: a new folder under /tmp, so that two scripts at once never install into one) and
# puts it on PYTHONPATH, for a Python that lacks hydra-core, omegaconf, antlr4, astropy or pdr
# (README "GPU check"). Needs REPO and PY; returns 2 on failure.
use_wheels() {
  local log="$1" candidate
  WHEELS="${WHEELS:-}"
  for candidate in "$REPO/.whl" "$REPO/wheels"; do
    [[ -z "$WHEELS" && -d "$candidate" ]] && WHEELS="$candidate"
  done
  [[ -n "$WHEELS" ]] && compgen -G "$WHEELS/*.whl" > /dev/null || return 0
  SITE="${SITE:-$(mktemp -d /tmp/jovis-site.XXXXXX)}"
  echo "installing the wheels of $WHEELS into $SITE"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "$WHEELS"/*.whl > "$log" 2>&1 \
    || { echo "wheel install failed: see $log"; return 2; }
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
}
