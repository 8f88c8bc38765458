/**
 * The bracketed texts agents see in place of WhatsApp content that cannot be shown (view-once
 * media, an undecryptable message, an unsupported type, an attachment that was not kept), for
 * both channel kinds (Baileys and the Cloud API). Pure; one table so the two kinds say the same
 * thing the same way. Unknown or missing locale: pt-BR, the desk's home language.
 */
export type WhatsappLocale = 'pt-BR' | 'es' | 'en';

export interface WhatsappTexts {
  /** View-once media: WhatsApp does not hand its content to linked devices. */
  viewOnce: string;
  /** A message that stayed undecryptable (its re-send never came). */
  undecryptable: string;
  /** A click-to-WhatsApp ad lead whose content has not arrived from the customer's phone yet. */
  adLead: string;
  /** Meta's own "unsupported" message type (Cloud API). */
  unsupportedByCloudApi: string;
  /** A message type Ponte does not turn into text yet; the raw payload is kept. */
  unsupportedType(type: string): string;
  /** An attachment over the channel's size limit, not kept. */
  mediaTooLarge(limitBytes: number, filename?: string): string;
  /** An attachment that could not be downloaded (`what`: its name or the error code). */
  mediaFailed(what: string): string;
  contactCard: string;
  order: string;
}

const TEXTS: Record<WhatsappLocale, WhatsappTexts> = {
  'pt-BR': {
    viewOnce: '[O cliente enviou uma mídia de visualização única, que não pode ser exibida aqui. Peça para reenviar como foto normal.]',
    undecryptable: '[Mensagem que não pôde ser descriptografada. Peça ao cliente para reenviar.]',
    adLead: '[Contato vindo de anúncio: o conteúdo da mensagem ainda não chegou do celular do cliente.]',
    unsupportedByCloudApi: '[Mensagem de um tipo não suportado pelo WhatsApp Cloud API — peça ao cliente para reenviar]',
    unsupportedType: (t) => `[Mensagem do tipo "${t}" ainda não suportada pelo Ponte — conteúdo original guardado]`,
    mediaTooLarge: (n, name) => `[Anexo não baixado: maior que o limite de ${formatBytes(n)}${name ? ` (${name})` : ''}]`,
    mediaFailed: (what) => `[Anexo não pôde ser baixado: ${what}]`,
    contactCard: 'Contato compartilhado',
    order: 'Pedido pelo catálogo',
  },
  es: {
    viewOnce: '[El cliente envió un archivo de visualización única, que no se puede mostrar aquí. Pídele que lo reenvíe como foto normal.]',
    undecryptable: '[No se pudo descifrar el mensaje. Pídele al cliente que lo reenvíe.]',
    adLead: '[Contacto desde un anuncio: el contenido del mensaje aún no llegó desde el teléfono del cliente.]',
    unsupportedByCloudApi: '[Mensaje de un tipo no admitido por WhatsApp Cloud API — pida al cliente que lo reenvíe]',
    unsupportedType: (t) => `[Mensaje de tipo "${t}" aún no admitido por Ponte — contenido original guardado]`,
    mediaTooLarge: (n, name) => `[Adjunto no descargado: supera el límite de ${formatBytes(n)}${name ? ` (${name})` : ''}]`,
    mediaFailed: (what) => `[No se pudo descargar el adjunto: ${what}]`,
    contactCard: 'Contacto compartido',
    order: 'Pedido del catálogo',
  },
  en: {
    viewOnce: '[The customer sent view-once media, which cannot be shown here. Ask them to send it again as a normal photo.]',
    undecryptable: '[This message could not be decrypted. Ask the customer to send it again.]',
    adLead: '[Lead from an ad: the message content has not arrived from the customer’s phone yet.]',
    unsupportedByCloudApi: '[Message of a type the WhatsApp Cloud API does not support — ask the customer to send it again]',
    unsupportedType: (t) => `[Message of type "${t}" not supported by Ponte yet — original content kept]`,
    mediaTooLarge: (n, name) => `[Attachment not downloaded: larger than the ${formatBytes(n)} limit${name ? ` (${name})` : ''}]`,
    mediaFailed: (what) => `[Attachment could not be downloaded: ${what}]`,
    contactCard: 'Shared contact',
    order: 'Catalog order',
  },
};

export function whatsappTexts(locale: string | undefined): WhatsappTexts {
  return locale !== undefined && Object.hasOwn(TEXTS, locale) ? TEXTS[locale as WhatsappLocale] : TEXTS['pt-BR'];
}

/** 16777216 -> "16 MB": what an agent reads, not an exact byte count. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}
