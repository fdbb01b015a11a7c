/**
 * The learning-loop tests' model and feedback, from the real 20 Newsgroups archive: a model
 * trained on three categories, and feedback from their test posts plus posts of a fourth
 * category the model has never seen, so feedback adds a class.
 */
import { join } from 'node:path'
import {
  type TextClassifier,
  loadTwentyNewsgroups,
  saveModel,
  trainClassifier,
} from '../../src/engine/index.js'
import type { FeedbackItem } from '../../src/learning/feedback.js'

export const KNOWN_CATEGORIES = ['comp.graphics', 'rec.autos', 'sci.space'] as const
export const NEW_CATEGORY = 'rec.sport.hockey'
export const MODEL_NAME = 'news'

/** Longer posts are left out: feedback stands for tweets, and keeps the records small. */
const MAX_FEEDBACK_CHARS = 2000

export interface NewsFixture {
  readonly model: TextClassifier
  readonly file: string
  /** Test posts of the known categories, interleaved, with their category as the label. */
  readonly known: readonly LabelledPost[]
  /** Test posts of NEW_CATEGORY. */
  readonly unseen: readonly LabelledPost[]
}

export interface LabelledPost {
  readonly text: string
  readonly label: string
}

/** Trains the model on the known categories and saves it as `<dir>/news.tsmodel`. */
export async function newsFixture(archive: string, dir: string): Promise<NewsFixture> {
  const known = await loadTwentyNewsgroups(archive, { categories: [...KNOWN_CATEGORIES] })
  const unseen = await loadTwentyNewsgroups(archive, { categories: [NEW_CATEGORY] })
  if (known.test === undefined || unseen.test === undefined) {
    throw new Error('the 20 Newsgroups archive has no test split')
  }
  const model = trainClassifier(known.train, {}, { source: known.source, fingerprint: known.fingerprint })
  const file = join(dir, `${MODEL_NAME}.tsmodel`)
  await saveModel(model, file)
  return { model, file, known: interleave(posts(known.test)), unseen: posts(unseen.test) }
}

function posts(documents: {
  readonly texts: readonly string[]
  readonly targets: Int32Array | readonly number[]
  readonly classes: readonly string[]
}): LabelledPost[] {
  const out: LabelledPost[] = []
  documents.texts.forEach((text, i) => {
    const label = documents.classes[documents.targets[i] as number] as string
    if (text.trim() !== '' && text.length <= MAX_FEEDBACK_CHARS) out.push({ text, label })
  })
  return out
}

/** Round-robin over the labels, so any prefix has every category. */
function interleave(items: readonly LabelledPost[]): LabelledPost[] {
  const byLabel = new Map<string, LabelledPost[]>()
  for (const item of items) {
    const queue = byLabel.get(item.label)
    if (queue === undefined) byLabel.set(item.label, [item])
    else queue.push(item)
  }
  const queues = [...byLabel.values()]
  const out: LabelledPost[] = []
  for (let i = 0; out.length < items.length; i++) {
    for (const queue of queues) {
      const item = queue[i]
      if (item !== undefined) out.push(item)
    }
  }
  return out
}

/** Feedback items with ids unique to this run (held-out selection is a function of the id). */
export function feedbackItems(posts: readonly LabelledPost[], idPrefix: string): FeedbackItem[] {
  return posts.map((post, i) => ({ id: `${idPrefix}-${i}`, text: post.text, label: post.label }))
}
