"""Validation of the screens on the simulator: ROC AUC of the lot score and of each component, timings,
and a harder variant (no shared electronic identifiers, more outsiders). docs/collusion.md quotes it."""

import time
from dataclasses import replace
from typing import Any

import numpy as np

from ggzy.supervision.collusion import score
from ggzy.supervision.collusion.simulate import SimulationParams, roc_auc, simulate


def _aucs(result: score.ScreenResult, rigged: np.ndarray) -> dict[str, float]:
    aucs = {
        "score": roc_auc(result.score, rigged),
        "price": roc_auc(result.price, rigged),
        "electronic": roc_auc(result.electronic, rigged),
        "network": roc_auc(result.network, rigged),
    }
    for name, (_, direction) in score.PRICE_WEIGHTS.items():
        values = result.screens[name]
        filled = np.where(np.isfinite(values), values, np.nanmedian(values))
        aucs[f"screen_{name}"] = roc_auc(direction * filled, rigged)
    return {k: round(v, 4) for k, v in aucs.items()}


def validate(lots: int = 10_000, seed: int = 20260302) -> dict[str, Any]:
    params = SimulationParams(lots=lots, seed=seed)
    started = time.perf_counter()
    sim = simulate(params)
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    result = score.run(sim.table)
    screened = time.perf_counter() - started
    harder = replace(
        params,
        shared_machine=0.0,
        shared_upload_ip=0.0,
        shared_decrypt_ip=0.0,
        shared_manager=0.0,
        shared_bond_account=0.0,
        shared_cert=0.0,
        outsider_prob=0.6,
        pure_cover_share=0.0,
    )
    sim_h = simulate(harder)
    result_h = score.run(sim_h.table)
    return {
        "simulation": sim.summary(),
        "seconds_simulate": round(simulated, 3),
        "seconds_screen": round(screened, 3),
        "auc": _aucs(result, sim.rigged),
        "harder_variant": {
            "changes": "no shared machines/IPs/managers/accounts/certificates, outsiders in 60% of rigged lots, no pure cover bidders",
            "auc": _aucs(result_h, sim_h.rigged),
        },
    }
