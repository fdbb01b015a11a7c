import { describe, expect, it } from 'vitest'
import {
  LANGUAGES,
  MAX_TEXT_UNITS,
  SCRIPTS,
  UNDETERMINED,
  dominantScript,
  identifyLanguage,
} from '../../src/engine/language.js'

const scriptOf = (text: string): string => SCRIPTS[dominantScript(text)] as string

describe('dominantScript', () => {
  it('names the script of most of the letters', () => {
    expect(scriptOf('Hello world')).toBe('latin')
    expect(scriptOf('Ça coûte très cher, señor Müller')).toBe('latin')
    expect(scriptOf('Ｆｕｌｌｗｉｄｔｈ')).toBe('latin')
    expect(scriptOf('Привет, мир')).toBe('cyrillic')
    expect(scriptOf('Γειά σου κόσμε')).toBe('greek')
    expect(scriptOf('مرحبا بالعالم')).toBe('arabic')
    expect(scriptOf('שלום עולם')).toBe('hebrew')
    expect(scriptOf('你好世界')).toBe('cjk')
    expect(scriptOf('こんにちは')).toBe('cjk')
    expect(scriptOf('안녕하세요')).toBe('cjk')
    expect(scriptOf('नमस्ते दुनिया')).toBe('other')
    expect(scriptOf('สวัสดีครับ')).toBe('other')
  })

  it('counts letters, not digits, punctuation, emoji or URLs’ slashes', () => {
    expect(scriptOf('😀😀 123 !!! #$%')).toBe('none')
    expect(scriptOf('')).toBe('none')
    expect(scriptOf('Привет!!! 😀😀😀😀 12345 ok')).toBe('cyrillic')
  })

  it('reads supplementary-plane letters: Han extensions and styled Latin', () => {
    expect(scriptOf('\u{20000}\u{20001}\u{2A6D6}')).toBe('cjk')
    expect(scriptOf('\u{1D407}\u{1D41E}\u{1D425}\u{1D425}\u{1D428}')).toBe('latin')
  })

  it('gives a tie to the script listed first', () => {
    expect(scriptOf('ab αβ')).toBe('latin')
    expect(scriptOf('αβ аб')).toBe('cyrillic')
  })

  it(`reads only the first ${MAX_TEXT_UNITS} code units`, () => {
    expect(scriptOf(`${'a'.repeat(MAX_TEXT_UNITS)}${'я'.repeat(2 * MAX_TEXT_UNITS)}`)).toBe('latin')
  })
})

describe('identifyLanguage', () => {
  it('names the language of tweets in the languages a stream mixes', () => {
    const tweets: Array<[string, string]> = [
      ['en', 'Just got the new phone and the battery life is so much better than the old one'],
      ['es', 'No puedo creer que el nuevo teléfono ya no funcione después de la actualización'],
      ['pt', 'Não acredito que o meu telefone parou de funcionar depois da atualização'],
      ['fr', "Je n'arrive pas à croire que mon téléphone ne marche plus après la mise à jour"],
      ['de', 'Ich kann nicht glauben, dass mein Handy nach dem Update nicht mehr funktioniert'],
      ['nl', 'Ik kan niet geloven dat mijn telefoon na de update niet meer werkt'],
      ['it', 'Non riesco a credere che il mio telefono non funzioni più dopo l’aggiornamento'],
      ['ru', 'Не могу поверить, что мой телефон перестал работать после обновления'],
      ['ar', 'لا أصدق أن هاتفي توقف عن العمل بعد التحديث'],
      ['ja', 'アップデートの後で携帯が動かなくなった'],
    ]
    for (const [language, text] of tweets) expect(identifyLanguage(text), text).toBe(language)
  })

  it('ignores URLs, mentions, hashtags and the retweet marker', () => {
    expect(identifyLanguage('RT @AppleSupport @Google #iPhone #Android http://t.co/AbCdEf12')).toBe(
      UNDETERMINED,
    )
    expect(
      identifyLanguage('RT @Microsoft #Google #Apple #Twitter Me encanta la nueva versión http://t.co/x1'),
    ).toBe('es')
  })

  it('leaves a text with too few letters undetermined', () => {
    expect(identifyLanguage('ok')).toBe(UNDETERMINED)
    expect(identifyLanguage('😀😀😀 !!!')).toBe(UNDETERMINED)
    expect(identifyLanguage('')).toBe(UNDETERMINED)
  })

  it('answers with one of LANGUAGES: ISO 639-1 codes and und', () => {
    expect(LANGUAGES).toContain('en')
    expect(LANGUAGES.at(-1)).toBe(UNDETERMINED)
    for (const code of LANGUAGES.slice(0, -1)) expect(code).toMatch(/^[a-z]{2}$/)
    expect(new Set(LANGUAGES).size).toBe(LANGUAGES.length)
  })
})
