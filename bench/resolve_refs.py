"""The two references of bench_resolve: Splink's documented example models and the
recordlinkage documentation's FEBRL pipeline (rules summed, a fixed cut)."""

from __future__ import annotations

import pandas as pd
import recordlinkage
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.exceptions import EMTrainingException


def splink_reference(
    name: str, df: pd.DataFrame, prior_on: list[str] | None = None
) -> pd.DataFrame:
    """Pairs (unique_id_l, unique_id_r, match_probability) of Splink's example for ``name``.

    ``prior_on``: estimate the prior from one deterministic rule on these columns instead of
    the example's rules (everything else as documented) — for data the example's own rule
    misleads (fake_1000's first name + surname, on data full of namesakes)."""
    if name == "historical_50k":
        blocking = [
            block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode_fake", "first_name"),
            block_on("postcode_fake", "surname"),
            block_on("dob", "birth_place"),
            block_on("substr(postcode_fake,1,3)", "dob"),
            block_on("substr(postcode_fake,1,3)", "first_name"),
            block_on("substr(postcode_fake,1,3)", "surname"),
            block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
        ]
        comparisons = [
            cl.ForenameSurnameComparison(
                "first_name",
                "surname",
                forename_surname_concat_col_name="first_name_surname_concat",
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ]
        df = df.assign(first_name_surname_concat=df.first_name + " " + df.surname)
        prior = (
            [
                block_on("first_name", "surname", "dob"),
                block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
                block_on("dob", "postcode_fake"),
            ],
            0.6,
        )
        em = [block_on("first_name", "surname"), block_on("dob")]
        u_pairs = 1e7
    elif name == "fake_1000":
        blocking = [block_on("first_name"), block_on("surname"), block_on("dob"), block_on("email")]
        comparisons = [
            cl.ForenameSurnameComparison("first_name", "surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ]
        prior = [block_on("email"), block_on("first_name", "surname")], 0.7
        em = [block_on("dob"), block_on("email"), block_on("first_name", "surname")]
        u_pairs = 1e6
    else:  # febrl3 (dedupe) and febrl4 (link, run as dedupe of both files)
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ]
        prior = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], 0.8
        em = [block_on("date_of_birth"), block_on("postcode")]
        u_pairs = 1e6
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    if prior_on:
        prior = [block_on(*prior_on)], prior[1]
    api = DuckDBAPI()
    linker = Linker(api.register(df), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(prior[0], recall=prior[1])
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=2)
    for rule in em:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except EMTrainingException:  # the rule's column is empty in this data: no session
            continue
    preds = linker.inference.predict(threshold_match_probability=0.5)
    return preds.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]


def recordlinkage_reference(name: str, df: pd.DataFrame) -> list[tuple[str, str]]:
    """The documentation's FEBRL pipeline: block, compare, sum of agreements above a cut."""
    frame = df.set_index("unique_id")
    indexer = recordlinkage.Index()
    compare = recordlinkage.Compare()
    if name.startswith("febrl"):
        indexer.block("given_name")
        compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
        compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
        compare.exact("date_of_birth", "date_of_birth")
        compare.exact("suburb", "suburb")
        compare.exact("state", "state")
        compare.string("address_1", "address_1", threshold=0.85)
        cut = 3
    else:
        indexer.block("first_name")
        compare.string("first_name", "first_name", method="jarowinkler", threshold=0.85)
        compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
        compare.exact("dob", "dob")
        extra = "email" if name == "fake_1000" else "postcode_fake"
        compare.exact(extra, extra)
        compare.exact(
            "city" if name == "fake_1000" else "birth_place",
            "city" if name == "fake_1000" else "birth_place",
        )
        cut = 2
    pairs = indexer.index(frame)
    features = compare.compute(pairs, frame)
    matches = features[features.sum(axis=1) > cut].index
    return [(str(a), str(b)) for a, b in matches]
