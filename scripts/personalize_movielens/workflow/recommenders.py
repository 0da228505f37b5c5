"""`recommenders create/stop/start/list`: the VIDEO_ON_DEMAND recommenders of a Domain dataset
group, one per use case, named so that a rerun finds them.

A recommender bills every hour it is ACTIVE (at least `minRecommendationRequestsPerSecond`
requests per second, whether asked or not), so each create and change states its cost basis
first, and `stop` pauses the billing without losing the trained models. Recommenders exist only
in a Domain dataset group: with the stack's `domain` output null, every command says what to set
in Terraform instead of calling the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ..console import info
from ..errors import CloudError, ConfigError
from .context import WorkflowContext
from .costs import DEFAULT_MIN_RPS, recommender_cost, recommender_hourly_requests
from .naming import RECIPE_ARN_PREFIX, recipe_name, recommender_name
from .plan import PLANNED, PlannedCall, planned_json
from .resources import describe_recommender, list_recommenders
from .waiting import IN_PROGRESS, Observation, wait_until

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import RecommenderConfigTypeDef

VIDEO_ON_DEMAND = "VIDEO_ON_DEMAND"
Need = Literal["required", "optional", "not used"]


@dataclass(frozen=True)
class UseCase:
    """One VIDEO_ON_DEMAND use case and what its GetRecommendations needs.

    From the guide's VIDEO_ON_DEMAND-use-cases page ("GetRecommendations API requirements"):
    Because you watched X and More like X: userId Required, itemId Required; Most popular and
    Top picks for you: userId Required, itemId Not used; Trending now: userId "Required only if
    you filter by CurrentUser or by items a user has interacted with", itemId Not used.
    """

    name: str  # the CLI's short name: top-picks
    title: str
    user_id: Need
    item_id: Need

    @property
    def recipe(self) -> str:
        return f"aws-vod-{self.name}"

    @property
    def recipe_arn(self) -> str:
        return RECIPE_ARN_PREFIX + self.recipe


USE_CASES: dict[str, UseCase] = {
    case.name: case
    for case in (
        UseCase("top-picks", "Top picks for you", "required", "not used"),
        UseCase("because-you-watched-x", "Because you watched X", "required", "required"),
        UseCase("more-like-x", "More like X", "required", "required"),
        UseCase("most-popular", "Most popular", "required", "not used"),
        UseCase("trending-now", "Trending now", "optional", "not used"),
    )
}
#: What `recommenders create` makes unless told: one answer for a user (top picks) and one for
#: an item (more like X), the two questions `recommend` and `similar` answer with campaigns. Each
#: recommender bills by the hour while ACTIVE, so all five would cost five times one; the others
#: are a `--use-case` away.
DEFAULT_USE_CASES = ("top-picks", "more-like-x")


def use_case(name: str) -> UseCase:
    """The use case called `name` (short, or its recipe `aws-vod-...`), or one line naming the
    choices."""
    short = recipe_name(name).removeprefix("aws-vod-")
    if short not in USE_CASES:
        raise ConfigError(
            f"--use-case {name}: unknown; the VIDEO_ON_DEMAND use cases are {', '.join(USE_CASES)}."
        )
    return USE_CASES[short]


def require_domain(ctx: WorkflowContext) -> None:
    """Recommenders exist only in a VIDEO_ON_DEMAND dataset group: say what to set otherwise."""
    domain = ctx.outputs.domain
    if domain != VIDEO_ON_DEMAND:
        raise ConfigError(
            f"Recommenders need a VIDEO_ON_DEMAND dataset group; this stack's domain output is "
            f"{domain or 'null (a custom dataset group)'}.",
            hint='Set domain = "VIDEO_ON_DEMAND" in terraform/terraform.tfvars and run '
            "`terraform apply` (or use campaigns: `train` and `deploy`).",
        )


@dataclass(frozen=True)
class RecommenderInfo:
    """One recommender as the tool reports it."""

    use_case: str | None  # None for a recommender this tool did not name
    name: str
    arn: str
    status: str
    min_rps: int | None
    action: str = "found"  # created | updated | started | stopped | unchanged | found
    failure_reason: str | None = None

    @property
    def billing(self) -> bool:
        """Whether it bills now: ACTIVE, or on its way there (creating, starting, updating)."""
        return self.status.startswith(("ACTIVE", "CREATE", "START", "UPDATE")) and (
            self.status != "CREATE FAILED"
        )

    @property
    def hourly_requests(self) -> int | None:
        """The requests it bills per hour at least, while it bills; None when it does not."""
        return (
            recommender_hourly_requests(self.min_rps or DEFAULT_MIN_RPS) if self.billing else None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "use_case": self.use_case,
            "name": self.name,
            "arn": self.arn,
            "status": self.status,
            "min_rps": self.min_rps,
            "action": self.action,
            "failure_reason": self.failure_reason,
            "billing": self.billing,
            "billed_requests_per_hour_at_least": self.hourly_requests,
        }


@dataclass(frozen=True)
class RecommendersResult:
    """What a recommenders command did (or, in a dry run, would do), one row per recommender."""

    recommenders: list[RecommenderInfo]
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "recommenders": [r.to_json() for r in self.recommenders],
            **planned_json(self.planned),
        }


def min_rps_of(recommender: Mapping[str, Any]) -> int | None:
    config = recommender.get("recommenderConfig") or {}
    value = config.get("minRecommendationRequestsPerSecond")
    return int(value) if value is not None else None


def use_case_of(ctx: WorkflowContext, recommender: Mapping[str, Any]) -> str | None:
    """The use case of a recommender this tool named, else None."""
    for case in USE_CASES.values():
        if recommender.get("name") == _name(ctx, case):
            return case.name
    return None


def info_of(
    ctx: WorkflowContext, recommender: Mapping[str, Any], action: str = "found"
) -> RecommenderInfo:
    return RecommenderInfo(
        use_case_of(ctx, recommender),
        recommender["name"],
        recommender["recommenderArn"],
        recommender["status"],
        min_rps_of(recommender),
        action,
        recommender.get("failureReason"),
    )


def observe_recommender(ctx: WorkflowContext, arn: str) -> Observation:
    """The recommender's status; an update in progress shows as the update's status."""
    recommender = describe_recommender(ctx, arn)
    if recommender is None:
        return Observation("", gone=True)
    update = recommender.get("latestRecommenderUpdate") or {}
    if update.get("status") in IN_PROGRESS:
        return Observation(update["status"], update.get("failureReason"))
    return Observation(recommender["status"], recommender.get("failureReason"))


def wait_recommender(ctx: WorkflowContext, name: str, arn: str, want: str) -> str:
    """Wait until the recommender is `want` (ACTIVE or INACTIVE); its status, or an error naming
    the service's reason when it ended otherwise. A dry run looks once (PLANNED passes)."""
    obs = wait_until(ctx, f"Recommender {name}", lambda: observe_recommender(ctx, arn))
    if obs.status in {want, PLANNED}:
        return obs.status
    if ctx.plan is not None and obs.status in IN_PROGRESS:
        return obs.status  # a dry run waits for nothing
    raise CloudError(
        f"Recommender {name} is {obs.status or 'gone'}, not {want}: "
        f"{obs.failure_reason or 'no reason given'}",
        hint="Run `personalize-movielens recommenders list`; `clean-cloud` deletes it.",
    )


def _by_name(ctx: WorkflowContext) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in list_recommenders(ctx)}


def create_recommenders(
    ctx: WorkflowContext,
    use_cases: Iterable[str] = DEFAULT_USE_CASES,
    min_rps: int | None = None,
) -> RecommendersResult:
    """Create each use case's recommender (at `min_rps`, or the service's default of 1), then
    wait for all of them to be ACTIVE (they train in parallel on the service).

    An existing recommender changes only when `min_rps` is given and differs: a rerun without it
    must not lower a recommender someone raised, since the guide warns that a change of capacity
    brings "a short time delay while the capacity is increased that might cause loss of
    requests" (creating-recommenders.html#min-rrps-auto-scaling)."""
    require_domain(ctx)
    if min_rps is not None and min_rps < 1:
        raise ConfigError(f"--min-rps {min_rps}: must be at least 1.")
    cases = list(dict.fromkeys(use_case(name) for name in use_cases))
    existing = _by_name(ctx)
    rows = [_create_or_update(ctx, case, existing.get(_name(ctx, case)), min_rps) for case in cases]
    # They train in parallel on the service: wait for each once all are asked for.
    settled = [
        row
        if row.action == "unchanged"
        else replace(row, status=wait_recommender(ctx, row.name, row.arn, "ACTIVE"))
        for row in rows
    ]
    return RecommendersResult(settled, ctx.planned())


def _name(ctx: WorkflowContext, case: UseCase) -> str:
    return recommender_name(ctx.outputs.dataset_group_arn, case.recipe)


def _create_or_update(
    ctx: WorkflowContext, case: UseCase, found: dict[str, Any] | None, min_rps: int | None
) -> RecommenderInfo:
    """Ask for the use case's recommender: created (at `min_rps` or the default), updated when
    `min_rps` is given and differs, else left as it is."""
    name = _name(ctx, case)
    personalize = ctx.clients.personalize
    if found is None:
        # The default is sent rather than left to the service: the cost basis stated is then
        # exactly what is created, whatever the service's default becomes.
        created_rps = DEFAULT_MIN_RPS if min_rps is None else min_rps
        ctx.billable(f"recommender {name} ({case.title})", recommender_cost(created_rps))
        arn = personalize.create_recommender(
            name=name,
            datasetGroupArn=ctx.outputs.dataset_group_arn,
            recipeArn=case.recipe_arn,
            recommenderConfig={"minRecommendationRequestsPerSecond": created_rps},
        )["recommenderArn"]
        return RecommenderInfo(case.name, name, arn, PLANNED, created_rps, "created")
    arn = found["recommenderArn"]
    if found["status"].startswith("DELETE"):
        raise ConfigError(
            f"Recommender {name} is being deleted ({found['status']}).",
            hint="Run the command again once it is gone.",
        )
    if found["status"] in IN_PROGRESS:  # an earlier run's create, update, stop or start
        want = "INACTIVE" if found["status"].startswith("STOP") else "ACTIVE"
        wait_recommender(ctx, name, arn, want)
        found = describe_recommender(ctx, arn) or found
    current = min_rps_of(found)
    if min_rps is None or current == min_rps:
        if found["status"] == "INACTIVE":
            info(f"Recommender {name} is stopped; `recommenders start {case.name}` resumes it.")
        else:
            info(
                f"Recommender {name} is {found['status']} at {current or DEFAULT_MIN_RPS} min "
                "RPS; nothing to do (--min-rps changes it)."
            )
        return info_of(ctx, found, "unchanged")
    config: RecommenderConfigTypeDef = {"minRecommendationRequestsPerSecond": min_rps}
    ctx.billable(f"recommender {name} to {min_rps} min RPS", recommender_cost(min_rps), "update")
    personalize.update_recommender(recommenderArn=arn, recommenderConfig=config)
    return RecommenderInfo(case.name, name, arn, PLANNED, min_rps, "updated")


def list_all(ctx: WorkflowContext) -> RecommendersResult:
    """Every recommender of the dataset group (read-only)."""
    require_domain(ctx)
    return RecommendersResult([info_of(ctx, r) for r in list_recommenders(ctx)], ctx.planned())


def _select(
    ctx: WorkflowContext, names: list[str], every: bool, use_cases: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The recommenders named (by name or use case) or chosen by `--use-case`, or all of them;
    an unknown use case names the use cases, an unknown name the recommenders there are."""
    wanted_cases = [use_case(name).name for name in use_cases]  # before any call
    recommenders = list_recommenders(ctx)
    if every:
        return recommenders
    wanted_all = list(dict.fromkeys([*names, *wanted_cases]))
    if not wanted_all:
        raise ConfigError("Name a recommender (or --use-case U), or pass --all.")
    chosen = []
    for wanted in wanted_all:
        match = next((r for r in recommenders if wanted in {r["name"], use_case_of(ctx, r)}), None)
        if match is None:
            known = ", ".join(r["name"] for r in recommenders) or "none"
            raise ConfigError(f"No recommender {wanted} in the dataset group (there are: {known}).")
        chosen.append(match)
    return chosen


def stop_recommenders(
    ctx: WorkflowContext, names: list[str], every: bool = False, use_cases: Iterable[str] = ()
) -> RecommendersResult:
    """Stop recommenders (their hourly billing stops; the models stay), and wait for INACTIVE."""
    require_domain(ctx)
    rows = []
    for found in _select(ctx, names, every, use_cases):
        name, arn = found["name"], found["recommenderArn"]
        if found["status"] in {"INACTIVE", "STOP PENDING", "STOP IN_PROGRESS"}:
            action = "unchanged"
        else:
            ctx.announce("stop", f"recommender {name} (stops its hourly billing)")
            ctx.clients.personalize.stop_recommender(recommenderArn=arn)
            action = "stopped"
        status = wait_recommender(ctx, name, arn, "INACTIVE")
        rows.append(
            RecommenderInfo(use_case_of(ctx, found), name, arn, status, min_rps_of(found), action)
        )
    return RecommendersResult(rows, ctx.planned())


def start_recommenders(
    ctx: WorkflowContext, names: list[str], every: bool = False, use_cases: Iterable[str] = ()
) -> RecommendersResult:
    """Start stopped recommenders (billing resumes), and wait for ACTIVE."""
    require_domain(ctx)
    rows = []
    for found in _select(ctx, names, every, use_cases):
        name, arn = found["name"], found["recommenderArn"]
        min_rps = min_rps_of(found) or DEFAULT_MIN_RPS
        if found["status"] == "INACTIVE":
            ctx.billable(f"recommender {name}", recommender_cost(min_rps), verb="start")
            ctx.clients.personalize.start_recommender(recommenderArn=arn)
            action = "started"
        else:
            action = "unchanged"
        status = wait_recommender(ctx, name, arn, "ACTIVE")
        rows.append(RecommenderInfo(use_case_of(ctx, found), name, arn, status, min_rps, action))
    return RecommendersResult(rows, ctx.planned())


def active_recommender(ctx: WorkflowContext, case: UseCase) -> str:
    """The ARN of the use case's ACTIVE recommender, or one line saying how to get one."""
    require_domain(ctx)
    name = _name(ctx, case)
    found = _by_name(ctx).get(name)
    if found is None:
        made = [use_case_of(ctx, r) for r in list_recommenders(ctx)]
        have = ", ".join(sorted(m for m in made if m)) or "none"
        raise ConfigError(
            f"No recommender for --use-case {case.name} (created: {have}).",
            hint=f"Run `personalize-movielens recommenders create --use-case {case.name}`.",
        )
    if found["status"] != "ACTIVE":
        hint = (
            f"Run `personalize-movielens recommenders start {name}`."
            if found["status"] == "INACTIVE"
            else "Wait for it: `personalize-movielens recommenders create` resumes the wait."
        )
        raise ConfigError(f"Recommender {name} is {found['status']}, not ACTIVE.", hint=hint)
    return str(found["recommenderArn"])
