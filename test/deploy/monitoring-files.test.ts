/**
 * The monitoring files in deploy/: the Prometheus alert rules and the Grafana dashboard query only
 * metrics, labels and label values that topicstream exposes on /metrics, and alert on the thresholds
 * of src/health/thresholds.ts. The metrics are the real ones: the API's and the bridge's, created on
 * one registry and fed a few classifications, so that the stream-health gauges show their labels.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { createMetrics } from '../../src/api/metrics.js'
import { createBridgeMetrics } from '../../src/bridge/metrics.js'
import { LANGUAGES } from '../../src/engine/language.js'
import { STREAM_HEALTH_METRICS } from '../../src/health/metrics.js'
import { HEALTH_THRESHOLDS, type HealthThresholds } from '../../src/health/thresholds.js'
import { FOOD, SPORTS, trainTinyModel } from '../api/helpers.js'

const RULES_FILE = new URL('../../deploy/prometheus/topicstream-alerts.yml', import.meta.url)
const DASHBOARD_FILE = new URL('../../deploy/grafana/topicstream-dashboard.json', import.meta.url)

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance']

/**
 * The statistic each threshold is about. Every threshold but `minRecords` (which guards all of them)
 * must have an alert; the dashboard's panel of that statistic draws it as its threshold.
 */
const THRESHOLD_OF_METRIC = {
  topicstream_stream_low_confidence_share: 'lowConfidenceShare',
  topicstream_stream_label_psi: 'labelPsi',
  topicstream_stream_oov_rate: 'oovRate',
  topicstream_stream_language_share: 'nonEnglishShare',
  topicstream_stream_records: 'minRecords',
} as const satisfies Record<string, keyof HealthThresholds>

const RECORDS_METRIC = 'topicstream_stream_records'

// ---------------------------------------------------------------------------------------------------
// What /metrics exposes

interface ExposedMetric {
  readonly labelNames: ReadonlySet<string>
  /** The values each label took in the fed registry; empty for a label no series carried. */
  readonly labelValues: ReadonlyMap<string, ReadonlySet<string>>
}

/** Series names as they appear in the exposition format, with their family's labels. */
async function exposedMetrics(): Promise<Map<string, ExposedMetric>> {
  const metrics = createMetrics({ streamHealth: { now: () => 1_000_000 } })
  createBridgeMetrics(metrics.registry)
  const model = trainTinyModel()
  const ref = { name: 'tiny', version: model.metadata.version }
  for (const channel of ['api', 'bridge'] as const) {
    for (const text of [...SPORTS, ...FOOD]) {
      metrics.streamHealth.observe(channel, model, ref, model.classify(text), text)
    }
  }

  const exposed = new Map<string, ExposedMetric>()
  for (const family of await metrics.registry.getMetricsAsJSON()) {
    const metric = metrics.registry.getSingleMetric(family.name)
    // prom-client keeps the configured label names on the metric, untyped.
    const configured = (metric as unknown as { labelNames?: readonly string[] } | undefined)?.labelNames ?? []
    const labelNames = new Set(configured)
    const labelValues = new Map<string, Set<string>>()
    for (const { labels } of family.values) {
      for (const [label, value] of Object.entries(labels)) {
        labelNames.add(label)
        let values = labelValues.get(label)
        if (values === undefined) labelValues.set(label, (values = new Set()))
        values.add(String(value))
      }
    }
    // Typed as an enum, but at run time the word of the exposition format's # TYPE line.
    const type = String(family.type)
    const names =
      type === 'histogram'
        ? ['_bucket', '_sum', '_count'].map((suffix) => family.name + suffix)
        : type === 'summary'
          ? [family.name, `${family.name}_sum`, `${family.name}_count`]
          : [family.name]
    for (const name of names) exposed.set(name, { labelNames, labelValues })
  }
  return exposed
}

// ---------------------------------------------------------------------------------------------------
// A PromQL reader: enough of the grammar to find the series selectors and the comparisons

interface Matcher {
  readonly label: string
  readonly op: '=' | '!=' | '=~' | '!~'
  readonly value: string
}

interface Selector {
  readonly metric: string
  readonly matchers: readonly Matcher[]
}

interface Comparison {
  readonly op: string
  readonly value: number
}

const STRING = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + '`[^`]*`'
const TOKEN = new RegExp(
  [
    String.raw`\s+`,
    '#[^\\n]*',
    STRING,
    `\\{(?:${STRING}|[^}"'\`])*\\}`,
    String.raw`\[[^\]]*\]`,
    String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(?:ms|[smhdwy])*`,
    String.raw`\$\{?\w+\}?`,
    String.raw`[A-Za-z_:][\w:]*`,
    '>=|<=|==|!=|=~|!~',
    String.raw`\S`,
  ].join('|'),
  'gy',
)
const MATCHER = new RegExp(String.raw`\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*(${STRING})\s*(?:,|$)`, 'y')
/** Words followed by a list of label names in parentheses, not by an expression. */
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan'])
const COMPARISONS = new Set(['>', '>=', '<', '<=', '==', '!='])

function tokenize(expr: string): string[] {
  return [...expr.matchAll(TOKEN)].map(([token]) => token).filter((token) => !/^\s|^#/.test(token))
}

function unquote(literal: string): string {
  return literal.startsWith('`') ? literal.slice(1, -1) : (JSON.parse(`"${literal.slice(1, -1)}"`) as string)
}

function parseMatchers(braces: string): Matcher[] {
  const body = braces.slice(1, -1).trim()
  const matchers: Matcher[] = []
  MATCHER.lastIndex = 0
  while (MATCHER.lastIndex < body.length) {
    const match = MATCHER.exec(body)
    if (match === null) throw new Error(`Unreadable label matchers: ${braces}`)
    matchers.push({ label: match[1], op: match[2] as Matcher['op'], value: unquote(match[3]) })
  }
  return matchers
}

/** The series selectors of a PromQL expression, and its comparisons with a number. */
function readPromql(expr: string): { selectors: Selector[]; comparisons: Comparison[] } {
  const tokens = tokenize(expr)
  const selectors: Selector[] = []
  const comparisons: Comparison[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    const next = tokens[i + 1]
    if (COMPARISONS.has(token) && next !== undefined && /^[\d.]/.test(next)) {
      comparisons.push({ op: token, value: Number(next) })
    } else if (token.startsWith('{')) {
      // A selector without a metric name before it: `{__name__="..."}`.
      const matchers = parseMatchers(token)
      const name = matchers.find(({ label, op }) => label === '__name__' && op === '=')
      selectors.push({ metric: name?.value ?? '', matchers })
    } else if (/^[A-Za-z_:]/.test(token)) {
      const word = token.toLowerCase()
      if (GROUPING.has(word)) {
        if (next === '(') i = tokens.indexOf(')', i + 1)
      } else if (KEYWORDS.has(word) || next === '(' || GROUPING.has(next?.toLowerCase() ?? '')) {
        // An operator, or a function or aggregation (`sum by (label) (...)`).
      } else if (next?.startsWith('{')) {
        selectors.push({ metric: token, matchers: parseMatchers(next) })
        i++
      } else {
        selectors.push({ metric: token, matchers: [] })
      }
    }
  }
  return { selectors, comparisons }
}

/** What is wrong with the expression's selectors: unknown metrics, labels or label values. */
function selectorProblems(expr: string, exposed: ReadonlyMap<string, ExposedMetric>): string[] {
  const problems: string[] = []
  for (const { metric, matchers } of readPromql(expr).selectors) {
    const found = exposed.get(metric)
    if (found === undefined) {
      problems.push(`no metric ${metric || '(unnamed)'} on /metrics`)
      continue
    }
    for (const { label, op, value } of matchers) {
      if (label === '__name__') continue
      if (!found.labelNames.has(label) && !TARGET_LABELS.includes(label)) {
        problems.push(`${metric} has no label ${label}`)
        continue
      }
      // A regular expression or a dashboard variable stands for values it does not name.
      if (op === '=~' || op === '!~' || value.includes('$')) continue
      const seen = label === 'language' ? new Set(LANGUAGES) : found.labelValues.get(label)
      if (seen !== undefined && !seen.has(value)) {
        problems.push(`${metric}{${label}} is never "${value}" (it is ${[...seen].slice(0, 8).join(', ')})`)
      }
    }
  }
  return problems
}

// ---------------------------------------------------------------------------------------------------
// The files

interface Rule {
  readonly alert: string
  readonly expr: string
  readonly for: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
}

interface RuleGroup {
  readonly name: string
  readonly rules: readonly Rule[]
}

interface Target {
  readonly expr: string
  readonly datasource?: { readonly uid?: string }
}

interface Panel {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly datasource?: { readonly uid?: string }
  readonly gridPos: { readonly x: number; readonly w: number }
  readonly targets?: readonly Target[]
  readonly fieldConfig?: {
    readonly defaults?: { readonly thresholds?: { readonly steps: readonly { value: number | null }[] } }
  }
}

interface Variable {
  readonly name: string
  readonly type: string
  readonly definition?: string
  readonly query?: string | { readonly query: string }
}

interface Dashboard {
  readonly schemaVersion: number
  readonly __inputs: readonly { readonly name: string; readonly pluginId: string }[]
  readonly templating: { readonly list: readonly Variable[] }
  readonly panels: readonly Panel[]
}

const rules = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: readonly RuleGroup[] }
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard
const allRules = rules.groups.flatMap((group) => group.rules)
const graphs = dashboard.panels.filter((panel) => panel.type !== 'row')
const targets = graphs.flatMap((panel) => panel.targets ?? [])

/** A query variable's PromQL: `label_values(selector, label)` gives the selector and the label. */
function variableQuery(variable: Variable): { expr: string; label?: string } {
  const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '')
  const labelValues = /^\s*label_values\((.*),\s*(\w+)\s*\)\s*$/s.exec(query)
  return labelValues === null ? { expr: query } : { expr: labelValues[1], label: labelValues[2] }
}

let exposed: Map<string, ExposedMetric>
beforeAll(async () => {
  exposed = await exposedMetrics()
})

describe('the PromQL checks of this file', () => {
  test('report a misspelt metric, an unknown label and a label value never exposed', () => {
    expect(
      selectorProblems('topicstream_stream_low_confidence_share{window="short"} > 0.5', exposed),
    ).toEqual([])
    expect(
      selectorProblems('topicstream_stream_low_confidense_share{window="short"} > 0.5', exposed),
    ).toEqual(['no metric topicstream_stream_low_confidense_share on /metrics'])
    expect(selectorProblems('topicstream_stream_oov_rate{windw="short"}', exposed)).toEqual([
      'topicstream_stream_oov_rate has no label windw',
    ])
    expect(selectorProblems('topicstream_stream_oov_rate{window="1m"}', exposed)).toEqual([
      expect.stringMatching(/^topicstream_stream_oov_rate\{window\} is never "1m"/),
    ])
    expect(
      selectorProblems('sum by (le) (rate(topicstream_bridge_batch_duration_secs_bucket[5m]))', exposed),
    ).toEqual(['no metric topicstream_bridge_batch_duration_secs_bucket on /metrics'])
  })

  test('read selectors past functions, groupings, ranges and operators, and the comparisons', () => {
    expect(
      readPromql(
        'sum without (language) (a{language!="en"}) / on (job) group_left () rate(b_total[$__rate_interval]) > 0.5 and c >= 50',
      ),
    ).toEqual({
      selectors: [
        { metric: 'a', matchers: [{ label: 'language', op: '!=', value: 'en' }] },
        { metric: 'b_total', matchers: [] },
        { metric: 'c', matchers: [] },
      ],
      comparisons: [
        { op: '>', value: 0.5 },
        { op: '>=', value: 50 },
      ],
    })
  })

  test('the exposed names include the suffixed series of histograms and counters as exposed', () => {
    expect(exposed.has('topicstream_bridge_batch_duration_seconds_bucket')).toBe(true)
    expect(exposed.has('topicstream_bridge_batch_duration_seconds')).toBe(false)
    expect(exposed.has('topicstream_bridge_dead_letters_total')).toBe(true)
    expect(exposed.get('topicstream_stream_records')?.labelValues.get('channel')).toEqual(
      new Set(['api', 'bridge']),
    )
  })
})

describe('deploy/prometheus/topicstream-alerts.yml', () => {
  test('is groups of rules, each with an alert, expr, for, a severity, a summary and a description', () => {
    expect(Object.keys(rules)).toEqual(['groups'])
    expect(rules.groups.length).toBeGreaterThan(0)
    expect(new Set(rules.groups.map((group) => group.name)).size).toBe(rules.groups.length)
    for (const group of rules.groups) {
      expect(Object.keys(group).sort()).toEqual(['name', 'rules'])
      expect(group.rules.length).toBeGreaterThan(0)
      for (const rule of group.rules) {
        expect(Object.keys(rule).sort(), rule.alert).toEqual([
          'alert',
          'annotations',
          'expr',
          'for',
          'labels',
        ])
        expect(rule.alert).toMatch(/^Topicstream[A-Z][A-Za-z]+$/)
        expect(rule.expr.trim()).not.toBe('')
        expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/)
        expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity)
        expect(Object.keys(rule.annotations).sort(), rule.alert).toEqual(['description', 'summary'])
        expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10)
        expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(
          rule.annotations.summary.length,
        )
      }
    }
    expect(new Set(allRules.map((rule) => rule.alert)).size).toBe(allRules.length)
  })

  test('every expression names only metrics, labels and label values on /metrics', () => {
    for (const rule of allRules) expect(selectorProblems(rule.expr, exposed), rule.alert).toEqual([])
  })

  test('each stream-health alert compares its statistic with HEALTH_THRESHOLDS, given minRecords records', () => {
    const alerted = new Set<string>()
    for (const rule of allRules) {
      const { selectors, comparisons } = readPromql(rule.expr)
      const statistics = new Set(
        selectors.map(({ metric }) => metric).filter((metric) => metric in THRESHOLD_OF_METRIC),
      )
      statistics.delete(RECORDS_METRIC)
      if (statistics.size === 0) continue
      expect(statistics.size, rule.alert).toBe(1)
      const [statistic] = statistics as Set<keyof typeof THRESHOLD_OF_METRIC>
      alerted.add(THRESHOLD_OF_METRIC[statistic])
      expect(comparisons, rule.alert).toEqual([
        { op: '>', value: HEALTH_THRESHOLDS[THRESHOLD_OF_METRIC[statistic]] },
        { op: '>=', value: HEALTH_THRESHOLDS.minRecords },
      ])
      // The records that make the statistic worth judging are those of the same window.
      const windows = selectors.map(({ metric, matchers }) => [
        metric,
        matchers.find(({ label }) => label === 'window')?.value,
      ])
      expect(new Set(windows.map(([, window]) => window)).size, `${rule.alert}: ${windows.join('; ')}`).toBe(
        1,
      )
      expect(windows.map(([metric]) => metric)).toContain(RECORDS_METRIC)
    }
    const thresholds = Object.keys(HEALTH_THRESHOLDS).filter((key) => key !== 'minRecords')
    expect([...alerted].sort()).toEqual(thresholds.sort())
  })

  test('the language alert counts neither English nor undetermined texts, as the banner does', () => {
    const languageRules = allRules.filter((rule) => rule.expr.includes('topicstream_stream_language_share'))
    expect(languageRules).toHaveLength(1)
    const [{ selectors }] = languageRules.map((rule) => readPromql(rule.expr))
    const shares = selectors.find(({ metric }) => metric === 'topicstream_stream_language_share')
    expect(shares?.matchers.filter(({ label }) => label === 'language')).toEqual([
      { label: 'language', op: '!=', value: 'en' },
      { label: 'language', op: '!=', value: 'und' },
    ])
  })
})

describe('deploy/grafana/topicstream-dashboard.json', () => {
  test('imports with a Prometheus data source input that every panel and query uses', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36)
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }),
    ])
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length)
    for (const panel of graphs) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}')
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24)
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}')
    }
  })

  test('every query names only metrics, labels and label values on /metrics', () => {
    for (const panel of graphs) {
      for (const target of panel.targets ?? []) {
        expect(selectorProblems(target.expr, exposed), `${panel.title}: ${target.expr}`).toEqual([])
      }
    }
    for (const variable of dashboard.templating.list.filter(({ type }) => type === 'query')) {
      const { expr, label } = variableQuery(variable)
      expect(selectorProblems(expr, exposed), variable.name).toEqual([])
      if (label === undefined) continue
      for (const { metric } of readPromql(expr).selectors) {
        expect(exposed.get(metric)?.labelNames.has(label), `${variable.name}: ${metric} has ${label}`).toBe(
          true,
        )
      }
    }
  })

  test('a variable of fixed values offers only values its label takes', () => {
    const valuesOf = (label: string) =>
      new Set([...exposed.values()].flatMap((metric) => [...(metric.labelValues.get(label) ?? [])]))
    const custom = dashboard.templating.list.filter(({ type }) => type === 'custom')
    expect(custom.map(({ name }) => name)).toContain('window')
    for (const variable of custom) {
      const offered = String(variable.query)
        .split(',')
        .map((value) => value.trim())
      expect(new Set(offered), variable.name).toEqual(valuesOf(variable.name))
    }
  })

  test('every stream-health statistic and the bridge lag and dead letters have a panel', () => {
    const named = new Set(
      targets.flatMap((target) => readPromql(target.expr).selectors.map(({ metric }) => metric)),
    )
    for (const { name } of STREAM_HEALTH_METRICS) expect(named, name).toContain(name)
    expect(named).toContain('topicstream_bridge_consumer_lag')
    expect(named).toContain('topicstream_bridge_dead_letters_total')
  })

  test("a statistic's panel draws its threshold from HEALTH_THRESHOLDS", () => {
    const drawn = new Set<string>()
    for (const panel of graphs) {
      const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? []
      const limits = steps.map(({ value }) => value).filter((value) => value !== null)
      if (limits.length === 0) continue
      const metrics = new Set(
        (panel.targets ?? []).flatMap((target) =>
          readPromql(target.expr).selectors.map(({ metric }) => metric),
        ),
      )
      const keys = [...metrics].flatMap((metric) =>
        metric in THRESHOLD_OF_METRIC
          ? [THRESHOLD_OF_METRIC[metric as keyof typeof THRESHOLD_OF_METRIC]]
          : [],
      )
      if (keys.length === 0) continue
      expect(keys, panel.title).toHaveLength(1)
      expect(limits, panel.title).toEqual([HEALTH_THRESHOLDS[keys[0]]])
      drawn.add(keys[0])
    }
    expect([...drawn].sort()).toEqual(Object.keys(HEALTH_THRESHOLDS).sort())
  })
})
