"""Tests of the numerical core: features and their gradient, the exact small NNLS, the batched
log posterior against the one-point version, and seeded, reproducible draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime, nnls

from planner.inference import posterior as post
from planner.inference.transforms import adstock, backcast, hill

BOX = np.array([[0.0, 0.2, 0.5]] * 3), np.array([[0.9, 3.0, 3.0]] * 3)


def make_problem(rho=0.0, n=80, seed=0, effects=(300.0, 80.0, 0.0), sw=None):
    rng = np.random.default_rng(seed)
    spend = rng.lognormal(8, 0.5, (n, 3))
    base = np.column_stack([np.ones(n), np.arange(n) / n, np.sin(np.arange(n) / 8)])
    truth = post.Problem(spend, base, np.zeros(n), *BOX, prior_sd=0.25)
    h = truth.features(np.full(9, 0.4))
    y = 1000 + 50 * base[:, 1] + h @ np.asarray(effects) + rng.normal(0, 10, n)
    return post.Problem(spend, base, y, *BOX, prior_sd=0.25, rho=rho, sw=sw)


def test_features_match_transforms_and_their_gradient():
    rng = np.random.default_rng(0)
    spend = rng.lognormal(8, 0.5, (80, 3))
    core = post.Problem(spend, np.ones((80, 1)), np.zeros(80), *BOX, prior_sd=0.25)
    u = rng.random(9)
    theta = core.theta(u)
    carried = adstock(spend, theta[:, 0], initial=backcast(spend, theta[:, 0]))
    expected = hill(carried, theta[:, 1] * core.scale, theta[:, 2])
    h, d = core.features(u, grad=True)
    np.testing.assert_allclose(h, expected, rtol=1e-10)
    for j in range(9):
        step = np.zeros(9)
        step[j] = 1e-6
        numeric = (core.features(u + step) - core.features(u - step)) / 2e-6
        np.testing.assert_allclose(d[:, j // 3, j % 3], numeric[:, j // 3], rtol=1e-4, atol=1e-8)


def test_small_nnls_is_exact():
    rng = np.random.default_rng(1)
    for _ in range(50):
        a = rng.normal(size=(30, 3))
        b = rng.normal(size=30)
        expected, _ = nnls(a, b)
        np.testing.assert_allclose(post.nnls_gram(a.T @ a, a.T @ b), expected, atol=1e-8)


def test_batched_nnls_gain_matches_the_exact_solution():
    rng = np.random.default_rng(2)
    grams, rhss, gains = [], [], []
    for _ in range(40):
        a = rng.normal(size=(30, 3))
        b = rng.normal(size=30)
        g, r = a.T @ a, a.T @ b
        beta = post.nnls_gram(g, r)
        grams.append(g)
        rhss.append(r)
        gains.append(2 * r @ beta - beta @ g @ beta)
    np.testing.assert_allclose(post._batched_nnls_gain(np.array(grams), np.array(rhss)), gains, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_many_point_log_posterior_equals_the_one_point_version(rho):
    sw = np.linspace(0.5, 1.5, 80)
    problem = make_problem(rho=rho, sw=sw)
    us = np.random.default_rng(3).random((25, 9))
    us[0, 0] = 1.2  # outside the box
    single = np.array([problem.log_post(u) for u in us])
    many = problem.log_post_many(us)
    assert single[0] == -np.inf and many[0] == -np.inf
    np.testing.assert_allclose(many[1:], single[1:], rtol=1e-9)


def test_gradient_of_the_negative_log_posterior():
    problem = make_problem(rho=0.3)
    u = np.random.default_rng(4).uniform(0.2, 0.8, 9)
    f, g = problem.neg_log_post_grad(u)
    assert f == pytest.approx(-problem.log_post(u), rel=1e-12)
    numeric = approx_fprime(u, lambda v: problem.neg_log_post_grad(v)[0], 1e-7)
    np.testing.assert_allclose(g, numeric, rtol=2e-3, atol=1e-3)


def test_ar1_transform_whitens_an_ar1_series():
    rng = np.random.default_rng(5)
    e = np.zeros(4000)
    for t in range(1, e.size):
        e[t] = 0.7 * e[t - 1] + rng.normal()
    assert post.lag1_correlation(e) == pytest.approx(0.7, abs=0.05)
    assert abs(post.lag1_correlation(post.ar1_transform(e, 0.7))) < 0.05


def test_draws_are_seeded_and_centred_near_the_truth():
    problem = make_problem()
    u, _ = post.find_mode(problem, post.starts(9, 4, 0))
    a, info = post.draw_posterior(problem, u, 60, seed=7, burn=100, steps=100)
    b, _ = post.draw_posterior(problem, u, 60, seed=7, burn=100, steps=100)
    c, _ = post.draw_posterior(problem, u, 60, seed=8, burn=100, steps=100)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (60, 9 + 3 + 3) and 0.05 < info["acceptance"] < 0.9
    beta = a[:, 9:12]
    assert np.all(beta >= 0)
    # the first category's effect (300 at full saturation) is recovered within its draws' spread
    assert np.quantile(beta[:, 0], 0.02) < 300 < np.quantile(beta[:, 0], 0.98)


# -- lift tests as observations ---------------------------------------------------------------------


def lift_problem(lift_value=500.0, se=50.0, rho=0.0):
    base_problem = make_problem(rho=rho)
    test = post.Lift(j=1, first=30, last=37, stop=42, change=2500.0, lift=lift_value, se=se)
    return post.Problem(
        base_problem.spend,
        base_problem.base,
        base_problem.y,
        *BOX,
        prior_sd=0.25,
        rho=rho,
        experiments=[test],
        noise_sd=10.0,
    )


@pytest.mark.parametrize("rho", [0.0, 0.4])
def test_lift_rows_many_point_log_posterior_and_gradient(rho):
    problem = lift_problem(rho=rho)
    us = np.random.default_rng(8).uniform(0.05, 0.95, (12, 9))
    single = np.array([problem.log_post(u) for u in us])
    np.testing.assert_allclose(problem.log_post_many(us), single, rtol=1e-9)
    u = us[3]
    f, g = problem.neg_log_post_grad(u)
    assert f == pytest.approx(-problem.log_post(u), rel=1e-12)
    numeric = approx_fprime(u, lambda v: problem.neg_log_post_grad(v)[0], 1e-7)
    np.testing.assert_allclose(g, numeric, rtol=2e-3, atol=1e-3)


def test_an_exact_lift_pulls_the_predicted_lift_onto_it():
    """A lift measured with a tiny error is matched by the fit; without the test it is not."""
    free = make_problem()
    u0, _ = post.find_mode(free, post.starts(9, 4, 0))
    test = post.Lift(j=1, first=30, last=37, stop=42, change=2500.0, lift=0.0, se=1.0)
    probe = post.Problem(free.spend, free.base, free.y, *BOX, prior_sd=0.25, experiments=[test], noise_sd=10.0)
    beta0, _ = free.point(u0)
    before = beta0[1] * probe.lift_features(u0)[0]
    target = 3.0 * before  # three times what the history alone implies
    exact = post.Problem(
        free.spend,
        free.base,
        free.y,
        *BOX,
        prior_sd=0.25,
        experiments=[post.Lift(j=1, first=30, last=37, stop=42, change=2500.0, lift=target, se=target * 0.01)],
        noise_sd=10.0,
    )
    u1, _ = post.find_mode(exact, [u0] + post.starts(9, 4, 1))
    beta1, _ = exact.point(u1)
    after = beta1[1] * exact.lift_features(u1)[0]
    assert abs(before - target) > 0.5 * target
    assert after == pytest.approx(target, rel=0.05)


@pytest.mark.parametrize("change", [1500.0, -2500.0])
def test_closed_form_carryover_of_a_test_matches_running_the_spend_without_it(change):
    """The lift rows from the change's own carryover equal those of the spend without the test run
    from the start: values, gradient and the many-point version."""
    base_problem = make_problem(rho=0.3)
    spend = base_problem.spend.copy()
    spend[:, 1] += 2000.0  # no week's spend falls below the change
    test = post.Lift(j=1, first=30, last=37, stop=42, change=change, lift=300.0, se=40.0)
    args = (spend, base_problem.base, base_problem.y, *BOX)
    closed = post.Problem(*args, prior_sd=0.25, rho=0.3, experiments=[test], noise_sd=10.0)
    scan = post.Problem(*args, prior_sd=0.25, rho=0.3, experiments=[test], noise_sd=10.0)
    assert closed._closed == [True]
    scan._closed = [False]
    us = np.random.default_rng(11).uniform(0.05, 0.95, (6, 9))
    np.testing.assert_allclose(closed.lift_features_many(us), scan.lift_features_many(us), rtol=1e-9)
    np.testing.assert_allclose(closed.log_post_many(us), scan.log_post_many(us), rtol=1e-12)
    for u in us:
        d1, g1 = closed.lift_features(u, grad=True)
        d2, g2 = scan.lift_features(u, grad=True)
        np.testing.assert_allclose(d1, d2, rtol=1e-9)
        np.testing.assert_allclose(g1, g2, rtol=1e-7, atol=1e-12)
        assert d1[0] != 0.0
    np.testing.assert_allclose(closed.lift_features_many(us)[:, 0], [closed.lift_features(u)[0] for u in us], rtol=1e-9)
