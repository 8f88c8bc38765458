/** Visible placeholder texts shown to agents, per channel locale (default pt-BR, the desk's home language). Pure. */
export type CloudLocale = 'pt-BR' | 'es' | 'en';

interface Texts {
  unsupported: string;
  unknownType: (type: string) => string;
  mediaTooLarge: (limit: number) => string;
  mediaUnavailable: (reason: string) => string;
  contactCard: string;
  order: string;
}

const TEXTS: Record<CloudLocale, Texts> = {
  'pt-BR': {
    unsupported: '[Mensagem de um tipo não suportado pelo WhatsApp Cloud API — peça ao cliente para reenviar]',
    unknownType: (t) => `[Mensagem do tipo "${t}" ainda não suportada pelo Ponte — conteúdo original guardado]`,
    mediaTooLarge: (n) => `[Anexo não baixado: maior que o limite de ${formatBytes(n)}]`,
    mediaUnavailable: (r) => `[Anexo não pôde ser baixado: ${r}]`,
    contactCard: 'Contato compartilhado',
    order: 'Pedido pelo catálogo',
  },
  es: {
    unsupported: '[Mensaje de un tipo no admitido por WhatsApp Cloud API — pida al cliente que lo reenvíe]',
    unknownType: (t) => `[Mensaje de tipo "${t}" aún no admitido por Ponte — contenido original guardado]`,
    mediaTooLarge: (n) => `[Adjunto no descargado: supera el límite de ${formatBytes(n)}]`,
    mediaUnavailable: (r) => `[No se pudo descargar el adjunto: ${r}]`,
    contactCard: 'Contacto compartido',
    order: 'Pedido del catálogo',
  },
  en: {
    unsupported: '[Message of a type the WhatsApp Cloud API does not support — ask the customer to send it again]',
    unknownType: (t) => `[Message of type "${t}" not supported by Ponte yet — original content kept]`,
    mediaTooLarge: (n) => `[Attachment not downloaded: larger than the ${formatBytes(n)} limit]`,
    mediaUnavailable: (r) => `[Attachment could not be downloaded: ${r}]`,
    contactCard: 'Shared contact',
    order: 'Catalog order',
  },
};

export function textsFor(locale: string | undefined): Texts {
  return TEXTS[(locale as CloudLocale) in TEXTS ? (locale as CloudLocale) : 'pt-BR'];
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}
